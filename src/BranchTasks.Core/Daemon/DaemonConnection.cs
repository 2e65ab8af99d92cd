using System.Text;
using System.Text.Json;
using BranchTasks.Core.Errors;

namespace BranchTasks.Core.Daemon;

/// <summary>
/// One accepted connection: the line framing of the protocol. Reads one request line (bounded in size and time),
/// answers it with one line, streaming progress lines ahead of the answer.
/// </summary>
internal sealed class DaemonConnection(Stream pipe, DaemonService service, DaemonLog log, TimeSpan requestReadTimeout) : IDisposable
{
    /// <summary>The largest request line the daemon reads; requests are a few hundred bytes of JSON.</summary>
    public const int MaxRequestBytes = 1024 * 1024;

    private readonly SemaphoreSlim _writeGate = new(1, 1);

    public async Task ServeAsync(CancellationToken cancellationToken)
    {
        try
        {
            var (outcome, line) = await DaemonRequestReader.ReadLineAsync(pipe, MaxRequestBytes, requestReadTimeout, cancellationToken).ConfigureAwait(false);
            switch (outcome)
            {
                case RequestReadOutcome.TimedOut:
                    log.Write($"closed a connection that sent no request within {requestReadTimeout.TotalSeconds:0.#} s");
                    return;
                case RequestReadOutcome.TooLarge:
                    log.Write($"refused a request larger than {MaxRequestBytes} bytes");
                    await WriteLineAsync(DaemonResponse.Failure(
                        ErrorCodes.InvalidArgument,
                        $"Request refused: larger than {MaxRequestBytes / 1024 / 1024} MiB. Requests are one line of JSON; something other than a BranchTasks client is talking to the daemon.")).ConfigureAwait(false);
                    return;
            }

            if (line is null)
            {
                // Closed without a request (a probe of whether a daemon listens).
                return;
            }

            var response = await AnswerAsync(line, cancellationToken).ConfigureAwait(false);
            // Answer even when this very request stopped the daemon (down --all): the caller waits for it.
            await WriteLineAsync(response).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
        {
            // The caller went away; nothing to answer.
        }
    }

    public void Dispose() => _writeGate.Dispose();

    private async Task<DaemonResponse> AnswerAsync(string line, CancellationToken cancellationToken)
    {
        DaemonResponse response;
        DaemonRequest? request = null;
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            request = JsonSerializer.Deserialize(line, DaemonJson.Info<DaemonRequest>(DaemonJson.Options));
            response = request is null
                ? DaemonResponse.Failure(ErrorCodes.InvalidArgument, "Empty request.")
                : await service.HandleAsync(request, new PipeProgress(this, log), cancellationToken).ConfigureAwait(false);
        }
        catch (JsonException e)
        {
            response = DaemonResponse.Failure(ErrorCodes.InvalidArgument, "Malformed request: " + e.Message);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            log.Write($"{request?.Op} failed: {e}");
            response = DaemonResponse.Failure(ErrorCodes.Unexpected, $"Unexpected failure in the BranchTasks daemon: {e.Message} (details in {log.Path})");
        }

        var elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        log.Write(response.Ok
            ? $"{request?.Op} {request?.Directory}: ok in {elapsed:0.0} ms"
            : $"{request?.Op} {request?.Directory}: {response.Error?.Code} in {elapsed:0.0} ms: {response.Error?.Message}");
        return response;
    }

    private async Task WriteLineAsync(DaemonResponse response)
    {
        var bytes = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(response, DaemonJson.Info<DaemonResponse>(DaemonJson.Options)) + "\n");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await _writeGate.WaitAsync(timeout.Token).ConfigureAwait(false);
        try
        {
            await pipe.WriteAsync(bytes, timeout.Token).ConfigureAwait(false);
            await pipe.FlushAsync(timeout.Token).ConfigureAwait(false);
        }
        finally
        {
            _writeGate.Release();
        }
    }

    /// <summary>Streams progress lines to the caller ahead of the answer, and into the daemon's log.</summary>
    private sealed class PipeProgress(DaemonConnection connection, DaemonLog log) : IProgress<string>
    {
        public void Report(string value)
        {
            log.Write(value);
            try
            {
                // Progress is best effort: a caller that went away must not fail the operation itself.
                connection.WriteLineAsync(new DaemonResponse { Progress = value }).GetAwaiter().GetResult();
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
            {
            }
        }
    }
}
