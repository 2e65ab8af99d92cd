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
            if (!OperatingSystem.IsWindows() && !File.Exists(DaemonEndpoint.PipeName(stateRoot)))
            {
                return null;
            }

            try
            {
                await pipe.ConnectAsync((int)connectTimeout.TotalMilliseconds, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is TimeoutException or IOException or UnauthorizedAccessException || e.GetType().Name == "SocketException")
            {
                return null;
            }

            var line = JsonSerializer.Serialize(request, DaemonJson.Options) + "\n";
            var bytes = Encoding.UTF8.GetBytes(line);
            try
            {
                await pipe.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
                await pipe.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (IOException)
            {
                return null;
            }

            using var reader = new StreamReader(pipe, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, bufferSize: 4096, leaveOpen: true);
            while (true)
            {
                var answer = await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false);
                if (answer is null)
                {
                    return DaemonResponse.Failure("BT0501", "The BranchTasks daemon closed the connection without answering. Its log is daemon.log in " + stateRoot + ".");
                }

                var response = JsonSerializer.Deserialize<DaemonResponse>(answer, DaemonJson.Options);
                if (response is { Progress: { } interim, Ok: false, Error: null })
                {
                    progress?.Invoke(interim);
                    continue;
                }

                return response;
            }
        }
    }
}
