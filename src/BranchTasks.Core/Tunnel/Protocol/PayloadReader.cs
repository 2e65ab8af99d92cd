using System.Buffers.Binary;
using System.Text;

namespace BranchTasks.Core.Tunnel.Protocol;

/// <summary>
/// Reads the primitive types of the MySQL protocol from one packet's payload. Every read is checked against the
/// payload's end: a truncated or malformed payload throws <see cref="InvalidDataException"/> and nothing else,
/// so callers that face a hostile peer catch one exception type.
/// </summary>
internal ref struct PayloadReader(ReadOnlySpan<byte> payload)
{
    private readonly ReadOnlySpan<byte> _payload = payload;

    public int Offset { get; private set; }

    public readonly int BytesRemaining => _payload.Length - Offset;

    public byte ReadByte() => ReadBytes(1)[0];

    public ushort ReadUInt16() => BinaryPrimitives.ReadUInt16LittleEndian(ReadBytes(2));

    public uint ReadUInt32() => BinaryPrimitives.ReadUInt32LittleEndian(ReadBytes(4));

    public ReadOnlySpan<byte> ReadBytes(int count)
    {
        if (count < 0 || count > BytesRemaining)
        {
            throw new InvalidDataException($"Truncated packet: {count} bytes wanted at offset {Offset}, {BytesRemaining} left.");
        }

        var value = _payload.Slice(Offset, count);
        Offset += count;
        return value;
    }

    public ReadOnlySpan<byte> ReadRemaining() => ReadBytes(BytesRemaining);

    /// <summary>Bytes up to a NUL (which is consumed), or to the end of the payload when there is none.</summary>
    public ReadOnlySpan<byte> ReadNullTerminatedBytes()
    {
        var rest = _payload[Offset..];
        var end = rest.IndexOf((byte)0);
        if (end < 0)
        {
            Offset = _payload.Length;
            return rest;
        }

        Offset += end + 1;
        return rest[..end];
    }

    public string ReadNullTerminatedString() => Encoding.UTF8.GetString(ReadNullTerminatedBytes());

    public ulong ReadLengthEncodedInteger()
    {
        var first = ReadByte();
        switch (first)
        {
            case < 0xFB:
                return first;
            case 0xFC:
                return ReadUInt16();
            case 0xFD:
                var low = ReadUInt16();
                return low | ((ulong)ReadByte() << 16);
            case 0xFE:
                return BinaryPrimitives.ReadUInt64LittleEndian(ReadBytes(8));
            default:
                throw new InvalidDataException($"Invalid length-encoded integer prefix 0x{first:X2}.");
        }
    }

    public ReadOnlySpan<byte> ReadLengthEncodedBytes()
    {
        var length = ReadLengthEncodedInteger();
        return length > (ulong)BytesRemaining
            ? throw new InvalidDataException($"Truncated packet: a length-encoded value of {length} bytes at offset {Offset}, {BytesRemaining} left.")
            : ReadBytes((int)length);
    }
}
