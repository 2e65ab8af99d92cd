using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace BranchTasks.Core.Tunnel.Protocol;

/// <summary>Builds one packet's payload from the primitive types of the MySQL protocol.</summary>
internal sealed class PayloadWriter
{
    private readonly ArrayBufferWriter<byte> _buffer = new(256);

    public int Length => _buffer.WrittenCount;

    public ReadOnlyMemory<byte> Payload => _buffer.WrittenMemory;

    public PayloadWriter Write(byte value)
    {
        _buffer.GetSpan(1)[0] = value;
        _buffer.Advance(1);
        return this;
    }

    public PayloadWriter Write(ushort value)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(_buffer.GetSpan(2), value);
        _buffer.Advance(2);
        return this;
    }

    public PayloadWriter Write(uint value)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(_buffer.GetSpan(4), value);
        _buffer.Advance(4);
        return this;
    }

    public PayloadWriter Write(ReadOnlySpan<byte> bytes)
    {
        _buffer.Write(bytes);
        return this;
    }

    public PayloadWriter WriteZeros(int count)
    {
        _buffer.GetSpan(count)[..count].Clear();
        _buffer.Advance(count);
        return this;
    }

    public PayloadWriter WriteNullTerminated(string value) => Write(Encoding.UTF8.GetBytes(value)).Write((byte)0);

    public PayloadWriter WriteNullTerminated(ReadOnlySpan<byte> value) => Write(value).Write((byte)0);

    public PayloadWriter WriteLengthEncodedInteger(ulong value)
    {
        switch (value)
        {
            case < 0xFB:
                return Write((byte)value);
            case <= 0xFFFF:
                return Write((byte)0xFC).Write((ushort)value);
            case <= 0xFF_FFFF:
                return Write((byte)0xFD).Write((ushort)value).Write((byte)(value >> 16));
            default:
                Write((byte)0xFE);
                BinaryPrimitives.WriteUInt64LittleEndian(_buffer.GetSpan(8), value);
                _buffer.Advance(8);
                return this;
        }
    }

    public PayloadWriter WriteLengthEncoded(ReadOnlySpan<byte> bytes) => WriteLengthEncodedInteger((ulong)bytes.Length).Write(bytes);

    public PayloadWriter WriteLengthEncoded(string value) => WriteLengthEncoded(Encoding.UTF8.GetBytes(value));

    public byte[] ToArray() => _buffer.WrittenSpan.ToArray();
}
