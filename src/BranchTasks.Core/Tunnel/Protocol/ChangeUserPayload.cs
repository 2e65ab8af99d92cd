using System.Text;

namespace BranchTasks.Core.Tunnel.Protocol;

/// <summary>COM_CHANGE_USER (0x11): log in again on the same connection.</summary>
internal sealed class ChangeUserPayload
{
    public const byte Command = 0x11;

    public string User { get; init; } = "";
    public byte[] AuthResponse { get; init; } = [];
    public string? Database { get; init; }
    public ushort CharacterSet { get; init; }
    public string? AuthPluginName { get; init; }
    public byte[]? ConnectionAttributes { get; init; }

    public static ChangeUserPayload Parse(ReadOnlySpan<byte> payload, CapabilityFlags capabilities)
    {
        var reader = new PayloadReader(payload);
        reader.ReadByte();
        var user = reader.ReadNullTerminatedString();
        var auth = (capabilities & CapabilityFlags.SecureConnection) != 0 ? reader.ReadBytes(reader.ReadByte()).ToArray() : reader.ReadNullTerminatedBytes().ToArray();
        var database = reader.ReadNullTerminatedString();
        ushort charset = 0;
        string? plugin = null;
        byte[]? attributes = null;
        if (reader.BytesRemaining >= 2)
        {
            charset = reader.ReadUInt16();
            if ((capabilities & CapabilityFlags.PluginAuth) != 0 && reader.BytesRemaining > 0)
            {
                plugin = reader.ReadNullTerminatedString();
            }

            if ((capabilities & CapabilityFlags.ConnectionAttributes) != 0 && reader.BytesRemaining > 0)
            {
                attributes = reader.ReadLengthEncodedBytes().ToArray();
            }
        }

        return new ChangeUserPayload
        {
            User = user,
            AuthResponse = auth,
            Database = database.Length == 0 ? null : database,
            CharacterSet = charset,
            AuthPluginName = plugin,
            ConnectionAttributes = attributes,
        };
    }

    public byte[] Serialize(CapabilityFlags capabilities)
    {
        var writer = new PayloadWriter().Write(Command).WriteNullTerminated(User);
        writer.Write((byte)AuthResponse.Length).Write(AuthResponse);
        writer.WriteNullTerminated(Database ?? "");
        writer.Write(CharacterSet);
        if ((capabilities & CapabilityFlags.PluginAuth) != 0)
        {
            writer.WriteNullTerminated(Encoding.UTF8.GetBytes(AuthPluginName ?? ""));
        }

        if ((capabilities & CapabilityFlags.ConnectionAttributes) != 0)
        {
            writer.WriteLengthEncoded(ConnectionAttributes ?? []);
        }

        return writer.ToArray();
    }
}
