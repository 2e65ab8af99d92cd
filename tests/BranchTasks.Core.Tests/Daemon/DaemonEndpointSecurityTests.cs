using System.Net.Sockets;
using System.Text;
using BranchTasks.Core.Daemon;
using BranchTasks.Core.Errors;
using BranchTasks.Core.Platform;
using BranchTasks.Core.State;
using BranchTasks.Testing;

namespace BranchTasks.Core.Tests.Daemon;

/// <summary>The daemon's endpoint is the developer's alone, and no single caller can stop or swell it.</summary>
public sealed class DaemonEndpointSecurityTests : IDisposable
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode Loose = OwnerOnly | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    // Connects as another user, sends a request, and tells what came back.
    private const string StrangerScript = """
        import socket, sys
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(10)
        s.connect(sys.argv[1])
        print("CONNECTED", flush=True)
        try:
            s.sendall(b'{"op":"status"}\n')
            data = s.recv(65536)
            print("ANSWER " + data.decode(errors="replace") if data else "EOF")
        except (ConnectionResetError, BrokenPipeError):
            print("RESET")
        except socket.timeout:
            print("TIMEOUT")
        """;

    private readonly string _root = Directory.CreateTempSubdirectory("bt-endpoint-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task The_socket_is_0600_right_after_the_daemon_binds_it()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        await using var daemon = await RunningDaemon.StartAsync(Path.Combine(_root, "home"));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(daemon.Socket));
        Assert.Equal(OwnerOnly, File.GetUnixFileMode(daemon.Home));
        Assert.Equal(PrivateFile.OwnerOnly, File.GetUnixFileMode(Path.Combine(daemon.Home, "daemon.lock")));
        Assert.Equal(PrivateFile.OwnerOnly, File.GetUnixFileMode(Path.Combine(daemon.Home, "daemon.pid")));
    }

    [Fact]
    public async Task A_deep_state_directory_gets_its_socket_in_a_private_folder()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var home = Path.Combine(_root, new string('h', 110));
        await using var daemon = await RunningDaemon.StartAsync(home);
        var folder = Path.GetDirectoryName(daemon.Socket)!;
        Assert.False(daemon.Socket.StartsWith(home, StringComparison.Ordinal));
        Assert.Equal(new UnixFileStatus(UnixFileKind.Directory, OwnerOnly, UnixInterop.EffectiveUserId()), UnixInterop.LinkStatus(folder));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(daemon.Socket));
    }

    [Fact]
    public async Task A_loosened_state_directory_the_tool_made_is_put_back_to_0700_and_logged()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var home = Path.Combine(_root, "home");
        new StateDirectory(home).EnsureDirectory();
        File.SetUnixFileMode(home, Loose);

        await using var daemon = await RunningDaemon.StartAsync(home);

        Assert.Equal(OwnerOnly, File.GetUnixFileMode(home));
        Assert.Contains($"{home} had mode 755; set back to 700", daemon.Log);
    }

    [Fact]
    public async Task A_loose_state_directory_the_tool_did_not_make_stops_the_daemon_from_starting_with_BT0503()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var home = Directory.CreateDirectory(Path.Combine(_root, "home")).FullName;
        File.SetUnixFileMode(home, Loose);

        var error = await Assert.ThrowsAsync<BranchTasksException>(() => new DaemonServer(new StateDirectory(home), TimeSpan.FromMinutes(5)).RunAsync(CancellationToken.None));

        Assert.Equal(ErrorCodes.StateDirectoryNotPrivate, error.Code);
        Assert.Contains($"chmod 700 {home}", error.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(home));
        Assert.Null(await DaemonClient.TrySendAsync(home, new DaemonRequest { Op = DaemonOps.Ping }, TimeSpan.FromMilliseconds(200), CancellationToken.None));
    }

    [Fact]
    public async Task A_peer_of_another_user_gets_no_answer_and_the_daemon_keeps_serving_its_owner()
    {
        if (!OperatingSystem.IsLinux() || UnixInterop.EffectiveUserId() != 0)
        {
            // Needs root to drop to another user with setpriv, as CI runs.
            return;
        }

        var python = new[] { "/usr/bin/python3", "/usr/local/bin/python3" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("This test needs python3 (in /usr/bin or /usr/local/bin) to connect as another user.");
        await using var daemon = await RunningDaemon.StartAsync(Path.Combine(_root, "home"));
        // Loosened on purpose, after the daemon's own check, so that the stranger reaches the socket at all.
        File.SetUnixFileMode(_root, OwnerOnly | UnixFileMode.OtherExecute);
        File.SetUnixFileMode(daemon.Home, OwnerOnly | UnixFileMode.OtherExecute);
        File.SetUnixFileMode(daemon.Socket, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite);

        for (var i = 0; i < 3; i++)
        {
            var stranger = await ProcessRunner.RunAsync("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", python, "-c", StrangerScript, daemon.Socket], _root, timeout: TimeSpan.FromSeconds(30));
            Assert.True(stranger.StandardOutput.StartsWith("CONNECTED", StringComparison.Ordinal), stranger.Combined);
            Assert.Matches("^CONNECTED\n(EOF|RESET)\n$", stranger.StandardOutput);
        }

        Assert.False(daemon.Running.IsCompleted);
        Assert.True(await daemon.PingAsync());
        var status = await DaemonClient.TrySendAsync(daemon.Home, new DaemonRequest { Op = DaemonOps.Status }, TimeSpan.FromSeconds(1), CancellationToken.None);
        Assert.Equal(Environment.ProcessId, status?.Status?.ProcessId);
        Assert.Equal(3, CountLines(daemon.Log, "refused a connection: UnauthorizedAccessException"));
    }

    [Fact]
    public async Task An_oversized_request_is_refused_and_the_daemon_keeps_serving()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        await using var daemon = await RunningDaemon.StartAsync(Path.Combine(_root, "home"));
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(daemon.Socket));
        using var stream = new NetworkStream(socket, ownsSocket: false);

        // 8 MiB without a newline; the daemon stops reading after 1 MiB, so the rest may fail to go out.
        var flood = Task.Run(async () =>
        {
            var chunk = Encoding.ASCII.GetBytes(new string('x', 64 * 1024));
            try
            {
                for (var i = 0; i < 128; i++)
                {
                    await stream.WriteAsync(chunk);
                }
            }
            catch (IOException)
            {
            }
        });
        var answer = await ReadAllAsync(stream);
        await flood.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(answer.Length == 0 || answer.Contains("\"BT0002\"", StringComparison.Ordinal), answer);
        await WaitUntilAsync(() => daemon.Log.Contains("refused a request larger than 1048576 bytes", StringComparison.Ordinal));
        Assert.Equal(1, CountLines(daemon.Log, "refused a request larger than"));
        Assert.True(await daemon.PingAsync());
        Assert.False(daemon.Running.IsCompleted);
    }

    [Fact]
    public async Task A_connection_that_sends_nothing_is_closed_at_the_deadline()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        await using var daemon = await RunningDaemon.StartAsync(Path.Combine(_root, "home"), requestReadTimeout: TimeSpan.FromSeconds(1));
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(daemon.Socket));
        using var stream = new NetworkStream(socket, ownsSocket: false);

        var answer = await ReadAllAsync(stream).WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal(string.Empty, answer);
        Assert.Contains("closed a connection that sent no request within 1 s", daemon.Log);
        Assert.True(await daemon.PingAsync());
    }

    private static async Task<string> ReadAllAsync(Stream stream)
    {
        var received = new MemoryStream();
        try
        {
            await stream.CopyToAsync(received);
        }
        catch (IOException)
        {
            // Reset by the daemon closing with our unread flood in its buffer.
        }

        return Encoding.UTF8.GetString(received.ToArray());
    }

    private static int CountLines(string log, string text) => log.Split('\n').Count(line => line.Contains(text, StringComparison.Ordinal));

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 200 && !condition(); i++)
        {
            await Task.Delay(50);
        }

        Assert.True(condition());
    }
}
