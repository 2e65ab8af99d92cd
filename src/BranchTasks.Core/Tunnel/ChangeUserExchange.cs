using BranchTasks.Core.Tunnel.Protocol;

namespace BranchTasks.Core.Tunnel;

/// <summary>
/// COM_CHANGE_USER across the relay's two directions. The app-to-server side finds the command in its copy loop
/// and sends the daemon's credentials upstream; only the server-to-app side reads the upstream leg, so it reads
/// the answer, finishes the authentication (which may write upstream: an auth switch, an RSA key) and gives the
/// app the result. The right to write upstream passes between the two through this object, one state at a time:
/// idle → requested (registered before the request's first byte goes out, so the reading side knows what it
/// reads) → sent (the request is out: the reading side owns the leg) → idle once the app has its answer; closed
/// for good when the reading side ends, which fails an exchange in flight and refuses new ones. Each hand-over is
/// a task the waiting side awaits, so nothing relies on a write having completed by the time its call returns.
/// </summary>
internal sealed class ChangeUserExchange(IReauthenticatingUpstream upstream, string upstreamUser)
{
    private readonly Lock _gate = new();
    private Pending? _pending;
    private bool _closed;

    /// <summary>Whether bytes from the server are the answer to a COM_CHANGE_USER: one volatile read, asked after every upstream read.</summary>
    public bool AwaitsAnswer => Volatile.Read(ref _pending) is not null;

    /// <summary>
    /// App-to-server side: sends <paramref name="request"/> upstream (as the daemon's user) and completes once the
    /// app has the answer. False when the server-to-app side has ended (nothing was sent); an
    /// <see cref="IOException"/> when the exchange failed on the way, which ends the connection.
    /// </summary>
    public async Task<bool> RequestAsync(ChangeUserPayload request, CancellationToken cancellationToken)
    {
        var pending = new Pending();
        lock (_gate)
        {
            if (_closed)
            {
                return false;
            }

            if (_pending is not null)
            {
                throw new InvalidOperationException("A COM_CHANGE_USER exchange is in flight already.");
            }

            Volatile.Write(ref _pending, pending);
        }

        try
        {
            await upstream.SendChangeUserAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            pending.Sent.TrySetException(e);
            Finish(pending, e);
            throw;
        }

        pending.Sent.TrySetResult();
        await pending.Answered.Task.ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// Server-to-app side, after a read while <see cref="AwaitsAnswer"/>: <paramref name="received"/> (the bytes of
    /// that read) starts the server's answer. Finishes the authentication and writes the result to the app as its
    /// answer; an ERR from the server reaches the app, any other failure is thrown (and fails the exchange).
    /// </summary>
    public async Task AnswerAsync(ReadOnlyMemory<byte> received, Stream client, CancellationToken cancellationToken)
    {
        var pending = Volatile.Read(ref _pending) ?? throw new InvalidOperationException("No COM_CHANGE_USER exchange is in flight.");
        try
        {
            // The leg is the requesting side's until its request is out: SslStream takes one writer at a time.
            await pending.Sent.Task.ConfigureAwait(false);
            byte[] reply;
            try
            {
                reply = await upstream.CompleteAuthenticationAsync(new PacketReader(upstream.Stream, PacketReader.MaxLoginPayloadLength, received), cancellationToken).ConfigureAwait(false);
            }
            catch (MySqlProtocolException e)
            {
                reply = (e.Error with { Message = $"BranchTasks tunnel: re-authenticating as '{upstreamUser}' failed: {e.Error.Message}" }).Serialize();
            }

            await PacketWriter.WritePayloadAsync(client, 1, reply, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            Finish(pending, e);
            throw;
        }

        Finish(pending, null);
    }

    /// <summary>The server-to-app side has ended: an exchange in flight fails, and none starts any more.</summary>
    public void Close()
    {
        Pending? pending;
        lock (_gate)
        {
            _closed = true;
            pending = _pending;
            Volatile.Write(ref _pending, null);
        }

        pending?.Answered.TrySetException(new IOException("The connection to the server ended during COM_CHANGE_USER."));
    }

    private void Finish(Pending pending, Exception? failure)
    {
        // Back to idle before the requesting side resumes, so its next COM_CHANGE_USER finds the exchange free.
        lock (_gate)
        {
            if (ReferenceEquals(_pending, pending))
            {
                Volatile.Write(ref _pending, null);
            }
        }

        if (failure is null)
        {
            pending.Answered.TrySetResult();
        }
        else
        {
            pending.Answered.TrySetException(failure as IOException ?? new IOException($"COM_CHANGE_USER failed: {failure.Message}", failure));
        }
    }

    private sealed class Pending
    {
        public TaskCompletionSource Sent { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Answered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
