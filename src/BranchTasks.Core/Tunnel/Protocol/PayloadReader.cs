using System.Buffers.Binary;
using System.Text;

namespace BranchTasks.Core.Tunnel.Protocol;

/// <summary>Reads the primitive types of the MySQL protocol from one packet's payload.</summary>
internal ref struct PayloadReader(ReadOnlySpan<byte> payload)
{
    private readonly ReadOnlySpan<byte> _payload = payload;

    public int Offset { get; private set; }

    public readonly int BytesRemaining => _payload.Length - Offset;

    public byte ReadByte() => _payload[Offset++];

    public ushort ReadUInt16()
    {
        var value = BinaryPrimitives.ReadUInt16LittleEndian(_payload[Offset..]);
        Offset += 2;
        return value;
    }

    public uint ReadUInt32()
    {
        var value = BinaryPrimitives.ReadUInt32LittleEndian(_payload[Offset..]);
        Offset += 4;
        return value;
    }

    public ReadOnlySpan<byte> ReadBytes(int count)
    {
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
                var value = BinaryPrimitives.ReadUInt64LittleEndian(_payload[Offset..]);
                Offset += 8;
                return value;
            default:
                throw new FormatException($"Invalid length-encoded integer prefix 0x{first:X2}.");
        }
    }

    public ReadOnlySpan<byte> ReadLengthEncodedBytes() => ReadBytes(checked((int)ReadLengthEncodedInteger()));

    public string ReadLengthEncodedString() => Encoding.UTF8.GetString(ReadLengthEncodedBytes());
}
