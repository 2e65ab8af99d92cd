namespace BranchTasks.Testing;

/// <summary>Records progress synchronously (<see cref="Progress{T}"/> would post it later).</summary>
public sealed class ProgressLog : IProgress<string>
{
    private readonly List<string> _lines = [];

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lines)
            {
                return [.. _lines];
            }
        }
    }

    public void Report(string value)
    {
        lock (_lines)
        {
            _lines.Add(value);
        }
    }
}
