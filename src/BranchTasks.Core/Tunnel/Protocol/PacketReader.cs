namespace BranchTasks.Core.Tunnel.Protocol;

/// <summary>
/// Reads whole packets (framed as <see cref="PacketFraming"/> says; a continued payload is joined) during the
/// login phases and the COM_CHANGE_USER exchange. It never reads past the packet it returns, so
/// the stream can be wrapped in TLS or handed to the byte relay afterwards.
/// </summary>
/// <param name="maxPayloadLength">
/// The largest payload accepted. A peer that has not logged in must not make the daemon allocate what it
/// announces: the length is checked against this before any byte of the payload is read.
/// </param>
internal sealed class PacketReader(Stream stream, int maxPayloadLength, ReadOnlyMemory<byte> prefix = default)
{
    /// <summary>Bound for login-phase packets: a greeting, a login, an auth switch or an RSA key is a few hundred bytes; connection attributes are capped at 64 KiB by servers.</summary>
    public const int MaxLoginPayloadLength = 64 * 1024;

    private readonly byte[] _header = new byte[PacketFraming.HeaderLength];
    private ReadOnlyMemory<byte> _prefix = prefix;

    /// <summary>The sequence id of the last packet read.</summary>
    public byte LastSequenceId { get; private set; }

    /// <summary>Reads one payload; throws <see cref="InvalidDataException"/> when it would exceed the bound, <see cref="EndOfStreamException"/> when the stream ends first.</summary>
    public async ValueTask<byte[]> ReadPayloadAsync(CancellationToken cancellationToken)
    {
        byte[]? joined = null;
        while (true)
        {
            await ReadExactlyAsync(_header, cancellationToken).ConfigureAwait(false);
            var (length, sequenceId) = PacketFraming.ReadHeader(_header);
            LastSequenceId = sequenceId;
            var total = (joined?.Length ?? 0) + (long)length;
            if (total > maxPayloadLength)
            {
                throw new InvalidDataException($"Packet too large: {total} bytes announced, at most {maxPayloadLength} accepted here.");
            }

            // Continuations are appended into one growing buffer sized by what was announced, never copied per part.
            var offset = joined?.Length ?? 0;
            if (joined is null)
            {
                joined = new byte[length];
            }
            else
            {
                Array.Resize(ref joined, (int)total);
            }

            await ReadExactlyAsync(joined.AsMemory(offset, length), cancellationToken).ConfigureAwait(false);
            if (!PacketFraming.IsContinued(length))
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
