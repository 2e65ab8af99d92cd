namespace BranchTasks.Core.Providers;

/// <summary>
/// The right to connect to one branch's upstream for as long as it is held. For most providers the
/// credentials are fixed; PlanetScale's are short-lived passwords that the lease renews (possibly
/// replacing them, announced through <see cref="EndpointChanged"/>) and deletes when released.
/// A tunnel holds its lease for its whole life.
/// </summary>
public abstract class UpstreamLease : IAsyncDisposable
{
    public abstract UpstreamEndpoint Endpoint { get; }

    /// <summary>Raised when the credentials were replaced; new connections must use the new endpoint.</summary>
    public event Action<UpstreamEndpoint>? EndpointChanged;

    public static UpstreamLease Fixed(UpstreamEndpoint endpoint) => new FixedLease(endpoint);

    protected void OnEndpointChanged(UpstreamEndpoint endpoint) => EndpointChanged?.Invoke(endpoint);

    public abstract ValueTask DisposeAsync();

    private sealed class FixedLease(UpstreamEndpoint endpoint) : UpstreamLease
    {
        public override UpstreamEndpoint Endpoint => endpoint;

        public override ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
