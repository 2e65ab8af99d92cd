using System.Text;

namespace BranchTasks.Core.Platform;

/// <summary>
/// What <see cref="ChildProcess"/> keeps of one output pipe: its last <c>maxChars</c> characters (the end of a
/// tool's output is where it says what went wrong), whatever the child writes in all. Safe to read while the
/// pipe is still being drained.
/// </summary>
internal sealed class ProcessOutput(int maxChars)
{
    // Lines longer than this reach the line callback cut short; the rest of the line is still kept above.
    private const int MaxLineChars = 16 * 1024;

    private readonly StringBuilder _text = new();
    private readonly Lock _gate = new();

    /// <summary>Whether the start of the output was dropped to stay within the bound.</summary>
    public bool Truncated { get; private set; }

    public override string ToString()
    {
        lock (_gate)
        {
            return _text.Length > maxChars ? _text.ToString(_text.Length - maxChars, maxChars) : _text.ToString();
        }
    }

    /// <summary>Reads <paramref name="reader"/> to its end, keeping the tail and passing each line to <paramref name="onLine"/>.</summary>
    public async Task DrainAsync(StreamReader reader, Action<string>? onLine)
    {
        var buffer = new char[8192];
        var line = onLine is null ? null : new StringBuilder();
        int read;
        while ((read = await reader.ReadAsync(buffer.AsMemory(), CancellationToken.None).ConfigureAwait(false)) > 0)
        {
            Append(buffer.AsSpan(0, read));
            if (line is not null)
            {
                SplitLines(buffer.AsSpan(0, read), line, onLine!);
            }
        }

        if (line is { Length: > 0 })
        {
            onLine!(line.ToString());
        }
    }

    private void Append(ReadOnlySpan<char> chars)
    {
        lock (_gate)
        {
            _text.Append(chars);

            // Trimmed only once twice the bound is reached, so the copy costs O(1) per character over time.
            if (_text.Length > 2 * maxChars)
            {
                _text.Remove(0, _text.Length - maxChars);
                Truncated = true;
            }
            else if (_text.Length > maxChars)
            {
                Truncated = true;
            }
        }
    }

    private static void SplitLines(ReadOnlySpan<char> chars, StringBuilder line, Action<string> onLine)
    {
        foreach (var c in chars)
        {
            if (c == '\n')
            {
                onLine(line.ToString().TrimEnd('\r'));
                line.Clear();
            }
            else if (line.Length < MaxLineChars)
            {
                line.Append(c);
            }
        }
    }
}
