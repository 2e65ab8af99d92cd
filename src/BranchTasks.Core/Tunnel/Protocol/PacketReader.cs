namespace BranchTasks.Core.Tunnel.Protocol;

/// <summary>
/// Reads whole packets (3-byte length, 1-byte sequence id, payload; payloads of 16 MiB and more arrive as
/// several packets and are joined) during the login phases. It never reads past the packet it returns, so
/// the stream can be wrapped in TLS or handed to the byte relay afterwards.
/// </summary>
internal sealed class PacketReader(Stream stream, ReadOnlyMemory<byte> prefix = default)
{
    public const int MaxPacketLength = 0xFF_FFFF;

    private ReadOnlyMemory<byte> _prefix = prefix;

    /// <summary>The sequence id of the last packet read.</summary>
    public byte LastSequenceId { get; private set; }

    public async ValueTask<byte[]> ReadPayloadAsync(CancellationToken cancellationToken)
    {
        var header = new byte[4];
        byte[]? joined = null;
        while (true)
        {
            await ReadExactlyAsync(header, cancellationToken).ConfigureAwait(false);
            var length = header[0] | (header[1] << 8) | (header[2] << 16);
            LastSequenceId = header[3];
            var payload = new byte[length];
            await ReadExactlyAsync(payload, cancellationToken).ConfigureAwait(false);
            joined = joined is null ? payload : [.. joined, .. payload];
            if (length < MaxPacketLength)
            {
                return joined;
            }
        }
    }

    private async ValueTask ReadExactlyAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        if (!_prefix.IsEmpty)
        {
            var take = Math.Min(_prefix.Length, buffer.Length);
            _prefix[..take].CopyTo(buffer);
            _prefix = _prefix[take..];
            buffer = buffer[take..];
        }

        if (!buffer.IsEmpty)
        {
            await stream.ReadExactlyAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
    }
}
