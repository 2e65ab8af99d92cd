using BranchTasks.Core.Sql;

namespace BranchTasks.Testing.PlanetScale;

/// <summary>
/// Locks a password's MariaDB user at its <c>expires_at</c> (<c>ALTER USER .. ACCOUNT LOCK</c>: new logins
/// fail, open connections stay, as on PlanetScale). One timer per deadline, so a renewal simply replaces it.
/// </summary>
internal sealed class PasswordExpiry : IDisposable
{
    private readonly CancellationTokenSource _stopping = new();

    /// <summary>Arms the timer for the password's current deadline, replacing any earlier one. Call under its gate.</summary>
    public void Schedule(DoublePassword password)
    {
        Cancel(password);
        if (password.Status.ExpiresAt is not { } deadline)
        {
            return;
        }

        // Never disposed: a renewal may cancel it while its timer task is finishing, and a disposed source would throw there.
        var timer = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        password.ExpiryTimer = timer;
        _ = ExpireAtAsync(password, deadline, timer.Token);
    }

    /// <summary>Disarms the timer. Call under the password's gate.</summary>
    public static void Cancel(DoublePassword password)
    {
        password.ExpiryTimer?.Cancel();
        password.ExpiryTimer = null;
    }

    public static string LockStatement(DoublePassword password) => $"ALTER USER {Account(password.Username)} ACCOUNT LOCK";

    public static string Account(string username) => SqlLiteral.Quote(username) + "@'%'";

    public void Dispose()
    {
        _stopping.Cancel();
        _stopping.Dispose();
    }

    private static async Task ExpireAtAsync(DoublePassword password, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        try
        {
            // A timer may fire a hair early; the user must not be locked before expires_at says.
            for (var wait = deadline - DateTimeOffset.UtcNow; wait > TimeSpan.Zero; wait = deadline - DateTimeOffset.UtcNow)
            {
                await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
            }

            await password.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                // Renewed or deleted while this waited for the gate.
                var status = password.Status;
                if (cancellationToken.IsCancellationRequested || status.DeletedAt is not null || status.Expired || status.ExpiresAt != deadline)
                {
                    return;
                }

                await password.Branch.Server.ExecuteAsync(LockStatement(password), cancellationToken).ConfigureAwait(false);
                password.Status = status with { Expired = true };
            }
            finally
            {
                password.Gate.Release();
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Renewed, deleted, or the double is shutting down.
        }
        catch (Exception e)
        {
            // Nobody awaits this task; the failure shows up as a login that still works, and this says why.
            Console.Error.WriteLine($"PlanetScale double: locking expired password {password.Id} ({password.Username}) on branch {password.Branch.Name} failed: {e.Message}");
        }
    }
}
