using System.Text.RegularExpressions;

namespace BranchTasks.Testing.PlanetScale;

/// <summary>One request the double answered.</summary>
/// <param name="Path">Relative to <see cref="PlanetScaleApiDouble.ApiUrl"/> (no <c>/v1</c>), without the query.</param>
/// <param name="Time">When the request arrived.</param>
/// <param name="Injected">True when a queued <see cref="FaultInjection"/> response answered it.</param>
public sealed record ApiRequestRecord(string Method, string Path, int StatusCode, DateTimeOffset Time, bool Injected)
{
    /// <summary>Served, but the connection was dropped instead of answering (<see cref="FaultResponse.LostResponse"/>).</summary>
    public bool Lost { get; init; }
}

/// <summary>
/// Every request the double answered, in arrival order. An entry is added before its response is sent, so a
/// client that has its answer always finds the request here.
/// </summary>
public sealed class RequestLog
{
    private readonly object _gate = new();
    private readonly List<ApiRequestRecord> _records = [];

    public IReadOnlyList<ApiRequestRecord> Snapshot()
    {
        lock (_gate)
        {
            return [.. _records];
        }
    }

    /// <summary>The requests with <paramref name="method"/> (or <c>*</c>) whose path the regex <paramref name="pathPattern"/> matches.</summary>
    public IReadOnlyList<ApiRequestRecord> Matching(string method, string pathPattern)
    {
        var regex = new Regex(pathPattern, RegexOptions.CultureInvariant);
        return [.. Snapshot().Where(r => (method == "*" || string.Equals(r.Method, method, StringComparison.OrdinalIgnoreCase)) && regex.IsMatch(r.Path))];
    }

    /// <summary>
    /// Waits until a request satisfying <paramref name="predicate"/> has been answered (for work the product
    /// does in the background, such as deleting a password when a tunnel closes) and returns it.
    /// </summary>
    public async Task<ApiRequestRecord> WaitForAsync(Func<ApiRequestRecord, bool> predicate, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var deadline = DateTimeOffset.UtcNow + timeout;
        while (true)
        {
            var found = Snapshot().FirstOrDefault(predicate);
            if (found is not null)
            {
                return found;
            }

            if (DateTimeOffset.UtcNow >= deadline)
            {
                throw new TimeoutException($"No matching request within {timeout.TotalSeconds:0.#} s. Requests seen:{Environment.NewLine}{Describe()}");
            }

            await Task.Delay(20, cancellationToken).ConfigureAwait(false);
        }
    }

    public void Clear()
    {
        lock (_gate)
        {
            _records.Clear();
        }
    }

    /// <summary>One line per request, for assertion messages.</summary>
    public string Describe() =>
        string.Join(Environment.NewLine, Snapshot().Select(r => $"{r.Time:HH:mm:ss.fff} {r.Method} {r.Path} -> {r.StatusCode}{(r.Injected ? " (injected)" : string.Empty)}"));

    internal void Add(ApiRequestRecord record)
    {
        lock (_gate)
        {
            _records.Add(record);
        }
    }
}
