using BranchTasks.Core.Sql;
using MySqlConnector;

namespace BranchTasks.Testing.PlanetScale;

/// <summary>
/// Locks a password's MariaDB user at its <c>expires_at</c> (<c>ALTER USER .. ACCOUNT LOCK</c>: new logins
/// fail, open connections stay, as on PlanetScale). One dedicated thread waits for the next deadline: on a
/// loaded two-core machine a thread-pool timer's continuation was measured running up to 0.56 s late, this
/// thread wakes within a few milliseconds (the statement then takes 5-20 ms, more when MariaDB is starved).
/// </summary>
internal sealed class PasswordExpiry : IDisposable
{
    private readonly object _gate = new();
    private readonly PriorityQueue<Deadline, DateTimeOffset> _deadlines = new();
    private readonly Thread _thread;
    private bool _stopping;

    public PasswordExpiry()
    {
        _thread = new Thread(Run) { IsBackground = true, Name = "PlanetScale double password expiry" };
        _thread.Start();
    }

    /// <summary>Arms the expiry for the password's current deadline, replacing any earlier one. Call under its gate.</summary>
    public void Schedule(DoublePassword password)
    {
        Cancel(password);
        if (password.Status.ExpiresAt is not { } at)
        {
            return;
        }

        var deadline = new Deadline(password, at);
        password.Expiry = deadline;
        lock (_gate)
        {
            _deadlines.Enqueue(deadline, at);
            Monitor.Pulse(_gate);
        }
    }

    /// <summary>Disarms the expiry. Call under the password's gate.</summary>
    public static void Cancel(DoublePassword password)
    {
        password.Expiry?.Cancel();
        password.Expiry = null;
    }

    public static string Account(string username) => SqlLiteral.Quote(username) + "@'%'";

    public void Dispose()
    {
        lock (_gate)
        {
            _stopping = true;
            Monitor.Pulse(_gate);
        }

        _thread.Join(TimeSpan.FromSeconds(10));
    }

    private void Run()
    {
        while (true)
        {
            Deadline next;
            lock (_gate)
            {
                while (true)
                {
                    if (_stopping)
                    {
                        return;
                    }

                    if (_deadlines.TryPeek(out var first, out var at))
                    {
                        var wait = at - DateTimeOffset.UtcNow;
                        if (wait <= TimeSpan.Zero)
                        {
                            next = _deadlines.Dequeue();
                            break;
                        }

                        // Monitor.Wait may return a hair early; the loop checks again, so no user is locked before its time.
                        Monitor.Wait(_gate, wait);
                    }
                    else
                    {
                        Monitor.Wait(_gate);
                    }
                }
            }

            if (!next.IsCancelled)
            {
                Expire(next);
            }
        }
    }

    private static void Expire(Deadline deadline)
    {
        var password = deadline.Password;
        password.Gate.Wait();
        try
        {
            // Renewed or deleted since it was queued.
            var status = password.Status;
            if (deadline.IsCancelled || status.DeletedAt is not null || status.Expired || status.ExpiresAt != deadline.At)
            {
                return;
            }

            // Synchronous on purpose: this thread does nothing else, and the thread pool is what it avoids.
            using var connection = new MySqlConnection(password.Branch.Server.LockConnectionString());
            connection.Open();
            using var command = new MySqlCommand($"ALTER USER {Account(password.Username)} ACCOUNT LOCK", connection);
            command.ExecuteNonQuery();
            password.Status = status with { LockedAt = DateTimeOffset.UtcNow };
        }
        catch (Exception e) when (e is MySqlException or InvalidOperationException)
        {
            // Nobody awaits this; the failure shows up as a login that still works, and this says why.
            Console.Error.WriteLine($"PlanetScale double: locking expired password {password.Id} ({password.Username}) on branch {password.Branch.Name} failed: {e.Message}");
        }
        finally
        {
            password.Gate.Release();
        }
    }

    /// <summary>One armed deadline of one password; cancelled when the deadline moves or the password goes.</summary>
    internal sealed class Deadline(DoublePassword password, DateTimeOffset at)
    {
        private volatile bool _cancelled;

        public DoublePassword Password { get; } = password;

        public DateTimeOffset At { get; } = at;

        public bool IsCancelled => _cancelled;

        public void Cancel() => _cancelled = true;
    }
}
