using System.Text;

namespace BranchTasks.Core.Tunnel.Protocol;

/// <summary>The client's login: capabilities, user, auth response, database, plugin, connection attributes.</summary>
internal sealed class HandshakeResponse41Payload
{
    public required CapabilityFlags Capabilities { get; init; }
    public uint MariaDbCapabilities { get; init; }
    public uint MaxPacketSize { get; init; } = 0x4000_0000;
    public byte CharacterSet { get; init; }
    public string User { get; init; } = "";
    public byte[] AuthResponse { get; init; } = [];
    public string? Database { get; init; }
    public string? AuthPluginName { get; init; }

    /// <summary>The encoded attribute pairs (without their total length), relayed as the client sent them.</summary>
    public byte[]? ConnectionAttributes { get; init; }

    /// <summary>True when the payload was only the 32-byte SSLRequest prefix.</summary>
    public bool IsSslRequest { get; init; }

    public static HandshakeResponse41Payload Parse(ReadOnlySpan<byte> payload)
    {
        var reader = new PayloadReader(payload);
        var capabilities = (CapabilityFlags)reader.ReadUInt32();
        if ((capabilities & CapabilityFlags.Protocol41) == 0)
        {
            throw new InvalidDataException("The client does not speak protocol 4.1.");
        }

        var maxPacket = reader.ReadUInt32();
        var charset = reader.ReadByte();
        reader.ReadBytes(19);
        var mariaDb = reader.ReadUInt32();
        if (reader.BytesRemaining == 0)
        {
            return new HandshakeResponse41Payload { Capabilities = capabilities, MariaDbCapabilities = mariaDb, MaxPacketSize = maxPacket, CharacterSet = charset, IsSslRequest = true };
        }

        var user = reader.ReadNullTerminatedString();
        byte[] auth;
        if ((capabilities & CapabilityFlags.PluginAuthLengthEncodedClientData) != 0)
        {
            auth = reader.ReadLengthEncodedBytes().ToArray();
        }
        else if ((capabilities & CapabilityFlags.SecureConnection) != 0)
        {
            auth = reader.ReadBytes(reader.ReadByte()).ToArray();
        }
        else
        {
            auth = reader.ReadNullTerminatedBytes().ToArray();
        }

        string? database = null;
        if ((capabilities & CapabilityFlags.ConnectWithDatabase) != 0 && reader.BytesRemaining > 0)
        {
            database = reader.ReadNullTerminatedString();
        }

        string? plugin = null;
        if ((capabilities & CapabilityFlags.PluginAuth) != 0 && reader.BytesRemaining > 0)
        {
            plugin = reader.ReadNullTerminatedString();
        }

        byte[]? attributes = null;
        if ((capabilities & CapabilityFlags.ConnectionAttributes) != 0 && reader.BytesRemaining > 0)
        {
            attributes = reader.ReadLengthEncodedBytes().ToArray();
        }

        return new HandshakeResponse41Payload
        {
            Capabilities = capabilities,
            MariaDbCapabilities = mariaDb,
            MaxPacketSize = maxPacket,
            CharacterSet = charset,
            User = user,
            AuthResponse = auth,
            Database = string.IsNullOrEmpty(database) ? null : database,
            AuthPluginName = plugin,
            ConnectionAttributes = attributes,
        };
    }

    public byte[] Serialize()
    {
        var capabilities = Capabilities;
        capabilities = Database is null ? capabilities & ~CapabilityFlags.ConnectWithDatabase : capabilities | CapabilityFlags.ConnectWithDatabase;
        var writer = new PayloadWriter();
        writer.Write((uint)capabilities).Write(MaxPacketSize).Write(CharacterSet).WriteZeros(19).Write(MariaDbCapabilities);
        writer.WriteNullTerminated(User);
        if ((capabilities & CapabilityFlags.PluginAuthLengthEncodedClientData) != 0)
        {
            writer.WriteLengthEncoded(AuthResponse);
        }
        else
        {
            writer.Write((byte)AuthResponse.Length).Write(AuthResponse);
        }

        if (Database is not null)
        {
            writer.WriteNullTerminated(Database);
        }

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
