using System.Text;

namespace BranchTasks.Core.Tunnel.Protocol;

/// <summary>ERR packet: 0xFF, error code, '#' and SQLSTATE, message.</summary>
internal sealed record ErrorPayload(ushort ErrorCode, string State, string Message)
{
    public const byte Header = 0xFF;

    public static ErrorPayload Parse(ReadOnlySpan<byte> payload)
    {
        var reader = new PayloadReader(payload);
        reader.ReadByte();
        var code = reader.ReadUInt16();
        var state = "HY000";
        if (reader.BytesRemaining > 0 && payload[reader.Offset] == (byte)'#')
        {
            reader.ReadByte();
            state = Encoding.ASCII.GetString(reader.ReadBytes(5));
        }

        return new ErrorPayload(code, state, Encoding.UTF8.GetString(reader.ReadRemaining()));
    }

    public byte[] Serialize() =>
        new PayloadWriter().Write(Header).Write(ErrorCode).Write((byte)'#').Write(Encoding.ASCII.GetBytes(State.PadRight(5, '0')[..5])).Write(Encoding.UTF8.GetBytes(Message)).ToArray();
}
