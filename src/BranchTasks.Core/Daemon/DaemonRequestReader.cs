using System.Text;

namespace BranchTasks.Core.Daemon;

/// <summary>How reading a request line ended.</summary>
internal enum RequestReadOutcome
{
    Line,
    Closed,
    TooLarge,
    TimedOut,
}

/// <summary>
/// Reads the one request line of a daemon connection, bounded in size and time: a caller that sends megabytes
/// without a newline, or nothing at all, costs at most <c>maxBytes</c> of memory and <c>deadline</c> of a task.
/// </summary>
internal static class DaemonRequestReader
{
    public static async Task<(RequestReadOutcome Outcome, string? Line)> ReadLineAsync(Stream stream, int maxBytes, TimeSpan deadline, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(deadline);
        var line = new MemoryStream();
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                var read = await stream.ReadAsync(buffer, timeout.Token).ConfigureAwait(false);
                if (read == 0)
                {
                    // A last line without its newline still counts, as StreamReader.ReadLine did.
                    return line.Length == 0 ? (RequestReadOutcome.Closed, null) : (RequestReadOutcome.Line, Decode(line));
                }

                var newline = Array.IndexOf(buffer, (byte)'\n', 0, read);
                var take = newline < 0 ? read : newline;
                if (line.Length + take > maxBytes)
                {
                    return (RequestReadOutcome.TooLarge, null);
                }

                line.Write(buffer, 0, take);
                if (newline >= 0)
                {
                    return (RequestReadOutcome.Line, Decode(line));
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (RequestReadOutcome.TimedOut, null);
        }
    }

    private static string Decode(MemoryStream line)
    {
        var text = Encoding.UTF8.GetString(line.GetBuffer(), 0, (int)line.Length);
        return text.EndsWith('\r') ? text[..^1] : text;
    }
}
