namespace BranchTasks.Core.Tunnel.Protocol;

/// <summary>
/// The one home of the protocol's packet framing: a 4-byte header (3-byte little-endian payload length, 1-byte
/// sequence id) before each payload. A payload of 16 MiB - 1 bytes or more travels as several packets: every
/// packet of exactly <see cref="MaxPacketLength"/> bytes is followed by another (possibly empty) one that continues it.
/// </summary>
internal static class PacketFraming
{
    public const int HeaderLength = 4;

    /// <summary>The largest payload one packet carries; a packet this long is continued by the next one.</summary>
    public const int MaxPacketLength = 0xFF_FFFF;

    /// <summary>The header at the start of <paramref name="header"/>, which holds at least <see cref="HeaderLength"/> bytes.</summary>
    public static (int Length, byte SequenceId) ReadHeader(ReadOnlySpan<byte> header)
    {
        if (header.Length < HeaderLength)
        {
            throw new InvalidDataException($"Truncated packet header: {header.Length} of {HeaderLength} bytes.");
        }

        return (header[0] | (header[1] << 8) | (header[2] << 16), header[3]);
    }

    public static void WriteHeader(Span<byte> header, int length, byte sequenceId)
    {
        if ((uint)length > MaxPacketLength)
        {
            throw new ArgumentOutOfRangeException(nameof(length), length, $"A packet carries at most {MaxPacketLength} payload bytes.");
        }

        header[0] = (byte)length;
        header[1] = (byte)(length >> 8);
        header[2] = (byte)(length >> 16);
        header[3] = sequenceId;
    }

    /// <summary>Whether a packet of <paramref name="length"/> payload bytes is continued by the next packet.</summary>
    public static bool IsContinued(int length) => length == MaxPacketLength;
}
