using System.Threading.Channels;

namespace BranchTasks.Core.Tests.Tunnel;

/// <summary>
/// A stand-in for the upstream leg whose calls complete asynchronously, as SslStream's and NetworkStream's can:
/// reads wait for what the test sends, and a write puts its bytes out (see <see cref="Written"/>) but its call
/// completes only when the test releases it. Like SslStream, it refuses a write while another is in flight.
/// </summary>
internal sealed class AsyncLeg : Stream
{
    private readonly Channel<byte[]> _incoming = Channel.CreateUnbounded<byte[]>();
    private TaskCompletionSource _writesComplete = Completed();
    private byte[] _current = [];
    private int _currentOffset;
    private int _writing;
    private int _overlapping;

    /// <summary>What was written, one entry per write call, as soon as its bytes are out.</summary>
    public Channel<byte[]> Written { get; } = Channel.CreateUnbounded<byte[]>();

    /// <summary>Write calls made while another was in flight (each also threw).</summary>
    public int OverlappingWrites => Volatile.Read(ref _overlapping);

    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <summary>From now on, write calls complete only at <see cref="CompleteWrites"/>.</summary>
    public void HoldWrites() => _writesComplete = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public void CompleteWrites() => _writesComplete.TrySetResult();

    /// <summary>Bytes from the server, returned by a later read.</summary>
    public void Send(byte[] bytes) => _incoming.Writer.TryWrite(bytes);

    /// <summary>The server closes the connection: reads return 0 once what was sent is read.</summary>
    public void End() => _incoming.Writer.TryComplete();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        if (_currentOffset == _current.Length)
        {
            if (!await _incoming.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false) || !_incoming.Reader.TryRead(out var next))
            {
                return 0;
            }

            _current = next;
            _currentOffset = 0;
        }

        var count = Math.Min(buffer.Length, _current.Length - _currentOffset);
        _current.AsSpan(_currentOffset, count).CopyTo(buffer.Span);
        _currentOffset += count;
        return count;
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _writing, 1) == 1)
        {
            Interlocked.Increment(ref _overlapping);
            throw new NotSupportedException("A write was started while another write was in flight.");
        }

        try
        {
            await Task.Yield();
            Written.Writer.TryWrite(buffer.ToArray());
            await _writesComplete.Task.ConfigureAwait(false);
        }
        finally
        {
            Volatile.Write(ref _writing, 0);
        }
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override void Flush()
    {
    }

    // Only the async calls exist: code that relied on them completing synchronously would find out here.
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    private static TaskCompletionSource Completed()
    {
        var done = new TaskCompletionSource();
        done.SetResult();
        return done;
    }
}
