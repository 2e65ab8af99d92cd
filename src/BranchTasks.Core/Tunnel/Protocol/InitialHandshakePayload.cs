using System.Text;

namespace BranchTasks.Core.Tunnel.Protocol;

/// <summary>HandshakeV10: the server's first packet.</summary>
internal sealed class InitialHandshakePayload
{
    public required string ServerVersion { get; init; }
    public required uint ConnectionId { get; init; }
    public required byte[] AuthPluginData { get; init; }
    public required CapabilityFlags Capabilities { get; init; }

    /// <summary>MariaDB's extended capabilities (in the reserved bytes when the server does not set CLIENT_MYSQL).</summary>
    public uint MariaDbCapabilities { get; init; }

    public byte CharacterSet { get; init; }
    public ushort StatusFlags { get; init; }
    public string AuthPluginName { get; init; } = "mysql_native_password";

    public static InitialHandshakePayload Parse(ReadOnlySpan<byte> payload)
    {
        if (payload.Length > 0 && payload[0] == ErrorPayload.Header)
        {
            throw new MySqlProtocolException(ErrorPayload.Parse(payload));
        }

        var reader = new PayloadReader(payload);
        var protocol = reader.ReadByte();
        if (protocol != 10)
        {
            throw new InvalidDataException($"Unsupported protocol version {protocol} (expected HandshakeV10).");
        }

        var version = reader.ReadNullTerminatedString();
        var connectionId = reader.ReadUInt32();
        var part1 = reader.ReadBytes(8).ToArray();
        reader.ReadByte();
        var lower = reader.ReadUInt16();
        byte charset = 0;
        ushort status = 0;
        uint upper = 0;
        var authLength = 0;
        uint mariaDb = 0;
        if (reader.BytesRemaining > 0)
        {
            charset = reader.ReadByte();
            status = reader.ReadUInt16();
            upper = reader.ReadUInt16();
            authLength = reader.ReadByte();
            reader.ReadBytes(6);
            mariaDb = reader.ReadUInt32();
        }

        var capabilities = (CapabilityFlags)(lower | (upper << 16));
        if ((capabilities & CapabilityFlags.LongPassword) != 0)
        {
            mariaDb = 0;
        }

        var scramble = part1;
        if ((capabilities & CapabilityFlags.SecureConnection) != 0)
        {
            var part2Length = Math.Max(13, authLength - 8);
            var part2 = reader.ReadBytes(Math.Min(part2Length, reader.BytesRemaining));
            // The last byte of part 2 is a NUL terminator, not scramble.
            if (part2.Length > 0 && part2[^1] == 0)
            {
                part2 = part2[..^1];
            }

            scramble = [.. part1, .. part2];
        }

        var plugin = "mysql_native_password";
        if ((capabilities & CapabilityFlags.PluginAuth) != 0 && reader.BytesRemaining > 0)
        {
            plugin = reader.ReadNullTerminatedString();
        }

        return new InitialHandshakePayload
        {
            ServerVersion = version,
            ConnectionId = connectionId,
            AuthPluginData = scramble,
            Capabilities = capabilities,
            MariaDbCapabilities = mariaDb,
            CharacterSet = charset,
            StatusFlags = status,
            AuthPluginName = plugin,
        };
    }

    public byte[] Serialize()
    {
        var writer = new PayloadWriter();
        var caps = (uint)Capabilities;
        writer.Write((byte)10).WriteNullTerminated(ServerVersion).Write(ConnectionId)
            .Write(AuthPluginData.AsSpan(0, 8)).Write((byte)0)
            .Write((ushort)caps).Write(CharacterSet).Write(StatusFlags).Write((ushort)(caps >> 16))
            .Write((byte)(AuthPluginData.Length + 1)).WriteZeros(6).Write(MariaDbCapabilities)
            .Write(AuthPluginData.AsSpan(8)).Write((byte)0)
            .WriteNullTerminated(Encoding.UTF8.GetBytes(AuthPluginName));
        return writer.ToArray();
    }
}
