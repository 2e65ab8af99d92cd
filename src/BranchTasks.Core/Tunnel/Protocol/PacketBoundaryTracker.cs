namespace BranchTasks.Core.Tunnel.Protocol;

/// <summary>
/// Follows packet boundaries in one direction of a byte stream that is forwarded as it arrives, reading headers
/// only (no I/O, no allocation: it lives in the relay's copy loop). The caller feeds it the unforwarded bytes;
/// <see cref="Pass"/> consumes payload bytes and stops at each packet start whose header (and first payload byte)
/// it holds, which the caller inspects and lets through with <see cref="Enter"/>, or holds back to look at again
/// with more bytes. Where a read ended inside a header, it stops before it: the caller keeps those bytes.
/// </summary>
internal struct PacketBoundaryTracker
{
    // Payload bytes of the current packet not yet passed.
    private int _remaining;

    // The last packet was a full 16 MiB - 1 one: the next continues its payload, whatever its sequence id.
    private bool _continues;

    // The last packet had sequence id 255 and did not end its exchange: a 0 next is a long exchange (LOAD DATA
    // LOCAL INFILE) wrapping around.
    private bool _wraps;

    /// <summary>Bytes of the current packet's payload still to pass.</summary>
    public readonly int PayloadRemaining => _remaining;

    /// <summary>
    /// Passes the payload bytes <paramref name="data"/> starts with and returns their count. When that reaches a
    /// packet start and <paramref name="data"/> holds its header (and first payload byte, if any),
    /// <paramref name="next"/> describes it; it is not consumed until <see cref="Enter"/>.
    /// </summary>
    public int Pass(ReadOnlySpan<byte> data, out PacketStart? next)
    {
        var passed = Math.Min(_remaining, data.Length);
        _remaining -= passed;
        next = _remaining == 0 ? Peek(data[passed..]) : null;
        return passed;
    }

    /// <summary>The header of <paramref name="packet"/> has passed: its payload follows.</summary>
    public void Enter(PacketStart packet)
    {
        if (_remaining != 0)
        {
            throw new InvalidOperationException($"A packet header cannot start inside a payload ({_remaining} bytes left).");
        }

        var continuation = _continues;
        _remaining = packet.Length;
        _continues = PacketFraming.IsContinued(packet.Length);
        // An empty packet that continues nothing ends the exchange (LOAD DATA's end of file): a 0 after it is a command.
        _wraps = packet.SequenceId == byte.MaxValue && (packet.Length > 0 || continuation);
    }

    /// <summary><paramref name="packet"/> has passed whole, header and payload (the caller took it out of the stream).</summary>
    public void Skip(PacketStart packet)
    {
        Enter(packet);
        _remaining = 0;
    }

    private readonly PacketStart? Peek(ReadOnlySpan<byte> data)
    {
        if (data.Length < PacketFraming.HeaderLength)
        {
            return null;
        }

        var (length, sequenceId) = PacketFraming.ReadHeader(data);
        if (length > 0 && data.Length == PacketFraming.HeaderLength)
        {
            return null;
        }

        var isCommand = sequenceId == 0 && !_continues && !_wraps;
        return new PacketStart(length, sequenceId, isCommand, length > 0 ? data[PacketFraming.HeaderLength] : -1);
    }
}
