using System.IO.Pipes;
using System.Text;
using System.Text.Json;

namespace BranchTasks.Core.Daemon;

/// <summary>
/// Sends one request to the daemon and reads its answer. Kept free of anything heavy: the MSBuild task
/// compiles this file in, so the warm path of `dotnet run` is one local round trip.
/// </summary>
public static class DaemonClient
{
    /// <summary>Returns null when no daemon listens (the caller may start one).</summary>
    /// <param name="progress">Shown the daemon's interim progress lines, if any.</param>
    public static async Task<DaemonResponse?> TrySendAsync(string stateRoot, DaemonRequest request, TimeSpan connectTimeout, CancellationToken cancellationToken, Action<string>? progress = null)
    {
        var pipe = new NamedPipeClientStream(".", DaemonEndpoint.PipeName(stateRoot), PipeDirection.InOut, PipeOptions.Asynchronous | PipeOptions.CurrentUserOnly);
        await using (pipe.ConfigureAwait(false))
        {
            if (!MayListen(stateRoot))
            {
                return null;
            }

            try
            {
                await pipe.ConnectAsync((int)connectTimeout.TotalMilliseconds, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (IsNoDaemon(e))
            {
                return null;
            }

            try
            {
                await pipe.WriteAsync(DaemonWire.WriteLine(request), cancellationToken).ConfigureAwait(false);
                await pipe.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (IOException)
            {
                return null;
            }

            using var reader = new StreamReader(pipe, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, bufferSize: 4096, leaveOpen: true);
            while (true)
            {
                if (Answer(await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false), stateRoot, progress) is { } response)
                {
                    return response;
                }
            }
        }
    }

    /// <summary>
    /// <see cref="TrySendAsync"/> for a caller that blocks on the answer anyway (the MSBuild task). Blocking calls on
    /// the socket need neither the thread pool nor the event thread that a fresh process starts for its first
    /// asynchronous socket call, which cost the task of `dotnet run` 5 to 10 ms.
    /// </summary>
    public static DaemonResponse? TrySend(string stateRoot, DaemonRequest request, TimeSpan connectTimeout, Action<string>? progress = null)
    {
        using var pipe = new NamedPipeClientStream(".", DaemonEndpoint.PipeName(stateRoot), PipeDirection.InOut, PipeOptions.CurrentUserOnly);
        if (!MayListen(stateRoot))
        {
            return null;
        }

        try
        {
            pipe.Connect((int)connectTimeout.TotalMilliseconds);
        }
        catch (Exception e) when (IsNoDaemon(e))
        {
            return null;
        }

        try
        {
            pipe.Write(DaemonWire.WriteLine(request));
            pipe.Flush();
        }
        catch (IOException)
        {
            return null;
        }

        using var reader = new StreamReader(pipe, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, bufferSize: 4096, leaveOpen: true);
        while (true)
        {
            if (Answer(reader.ReadLine(), stateRoot, progress) is { } response)
            {
                return response;
            }
        }
    }

    private static bool MayListen(string stateRoot) =>
        OperatingSystem.IsWindows() || (File.Exists(DaemonEndpoint.PipeName(stateRoot)) && !IsLeftByDeadDaemon(stateRoot));

    private static bool IsNoDaemon(Exception e) =>
        e is TimeoutException or IOException or UnauthorizedAccessException || e.GetType().Name == "SocketException";

    /// <summary>The answer in <paramref name="line"/>, or null for an interim progress line (passed on): read on.</summary>
    private static DaemonResponse? Answer(string? line, string stateRoot, Action<string>? progress)
    {
        if (line is null)
        {
            return DaemonResponse.Failure("BT0501", "The BranchTasks daemon closed the connection without answering. Its log is daemon.log in " + stateRoot + ".");
        }

        var response = DaemonWire.TryRead(Encoding.UTF8.GetBytes(line), out var read)
            ? read
            : JsonSerializer.Deserialize(line, DaemonJson.Info<DaemonResponse>(DaemonJson.Options));
        if (response is { Progress: { } interim, Ok: false, Error: null })
        {
            progress?.Invoke(interim);
            return null;
        }

        return response ?? DaemonResponse.Failure("BT0501", "The BranchTasks daemon answered with an empty line. Its log is daemon.log in " + stateRoot + ".");
    }

    /// <summary>
    /// Whether the socket was left by a daemon that died (kill -9, a crash): connecting to it is refused, and the pipe
    /// client retries a refused connect until its timeout, which would cost every start after a crash that long.
    /// Unknown (no pid file, unreadable) counts as alive, so a starting or running daemon is never skipped.
    /// </summary>
    private static bool IsLeftByDeadDaemon(string stateRoot)
    {
        string text;
        try
        {
            text = File.ReadAllText(Path.Combine(stateRoot, "daemon.pid"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }

        if (!int.TryParse(text.Trim(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var pid) || pid <= 0)
        {
            return false;
        }

        return !IsRunning(pid);
    }

    private static bool IsRunning(int pid)
    {
        if (OperatingSystem.IsLinux())
        {
            // A daemon killed while its parent lives on (or under a container init that does not reap) stays a
            // zombie, which still "exists" for kill(pid, 0); its state letter in /proc tells.
            try
            {
                var stat = File.ReadAllText($"/proc/{pid}/stat");
                var state = stat.LastIndexOf(')') is var end and > 0 && end + 2 < stat.Length ? stat[end + 2] : 'R';
                return state is not ('Z' or 'X');
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return false;
            }
        }

        try
        {
            // A live process (even another one that got the pid since) leaves it to the ordinary connect.
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return true;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            return false;
        }
    }
}
