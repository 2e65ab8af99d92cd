namespace BranchTasks.Testing.PlanetScale;

/// <summary>
/// One branch of the double's database. It is ready once its server is up with the parent's schema in it
/// (<see cref="Provisioned"/>) and <see cref="ReadyAt"/> has passed, whichever comes last.
/// </summary>
internal sealed class DoubleBranch
{
    private readonly object _gate = new();
    private DateTimeOffset? _provisionedAt;
    private string? _provisioningError;

    public DoubleBranch(string name, string? parentBranch, bool production, DoubleBranchServer server, DateTimeOffset createdAt, TimeSpan readyAfter)
    {
        Id = RandomIds.Id();
        Name = name;
        ParentBranch = parentBranch;
        Production = production;
        Server = server;
        CreatedAt = createdAt;
        ReadyAt = createdAt + readyAfter;
    }

    public string Id { get; }

    public string Name { get; }

    public string? ParentBranch { get; }

    public bool Production { get; }

    public DoubleBranchServer Server { get; }

    public DateTimeOffset CreatedAt { get; }

    public DateTimeOffset ReadyAt { get; }

    /// <summary>Cancelled when the branch is deleted (or the double disposed) while it is still being provisioned.</summary>
    public CancellationTokenSource Cancellation { get; } = new();

    /// <summary>Completes when the server is running and holds the (still empty) database.</summary>
    public TaskCompletionSource ServerStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the server is running and the parent's schema is in it; faults with the reason otherwise.</summary>
    public TaskCompletionSource Provisioned { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The background work that starts the server and copies the schema; awaited before the server is stopped.</summary>
    public Task Provisioning { get; set; } = Task.CompletedTask;

    public string AccessHostUrl => $"127.0.0.1:{Server.Port}";

    public bool IsReady(DateTimeOffset now)
    {
        lock (_gate)
        {
            return _provisionedAt is not null && now >= ReadyAt;
        }
    }

    /// <summary>When it became ready (the later of provisioning and the delay), else its creation.</summary>
    public DateTimeOffset UpdatedAt(DateTimeOffset now)
    {
        lock (_gate)
        {
            if (_provisionedAt is not { } provisioned || now < ReadyAt)
            {
                return CreatedAt;
            }

            return provisioned > ReadyAt ? provisioned : ReadyAt;
        }
    }

    public void MarkProvisioned(DateTimeOffset at)
    {
        lock (_gate)
        {
            _provisionedAt = at;
        }

        Provisioned.TrySetResult();
    }

    public void MarkFailed(Exception error)
    {
        lock (_gate)
        {
            _provisioningError = error.Message;
        }

        ServerStarted.TrySetException(error);
        Provisioned.TrySetException(error);
    }

    public BranchInfo ToInfo(DateTimeOffset now)
    {
        lock (_gate)
        {
            return new BranchInfo(Id, Name, ParentBranch, Production, _provisionedAt is not null && now >= ReadyAt, Server.IsRunning, Server.Port, CreatedAt, _provisioningError);
        }
    }
}
