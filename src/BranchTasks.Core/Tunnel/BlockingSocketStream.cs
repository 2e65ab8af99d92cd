using System.Net.Sockets;

namespace BranchTasks.Core.Tunnel;

/// <summary>
/// A stream over a socket that is only ever used with blocking calls, also through the async API (whose calls
/// complete before they return). A .NET socket that has seen one async operation is switched to non-blocking
/// for good and every later read goes through the runtime's event loop: a speculative read that fails, an epoll
/// wake and a hop to the waiting code per packet. A relay thread blocked in recv() is woken by the kernel with
/// the data instead.
/// </summary>
internal sealed class BlockingSocketStream : Stream
{
    private readonly Socket _socket;

    public BlockingSocketStream(Socket socket) => _socket = socket;

    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        try
        {
            return _socket.Receive(buffer, SocketFlags.None);
        }
        catch (SocketException e)
        {
            throw Transport(e);
        }
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return new ValueTask<int>(Read(buffer.Span));
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            try
            {
                buffer = buffer[_socket.Send(buffer, SocketFlags.None)..];
            }
            catch (SocketException e)
            {
                throw Transport(e);
            }
        }
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    // Like NetworkStream: socket errors surface as IOException, which the protocol code and SslStream expect.
    private static IOException Transport(SocketException e) => new($"Unable to transfer data on the transport connection: {e.Message}.", e);
}
