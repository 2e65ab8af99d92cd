namespace BranchTasks.Core.Tunnel.Protocol;

/// <summary>Writes a payload as packets: 3-byte length and sequence id, split at 16 MiB - 1.</summary>
internal static class PacketWriter
{
    /// <summary>Writes <paramref name="payload"/> starting at <paramref name="sequenceId"/>; returns the next sequence id.</summary>
    public static async ValueTask<byte> WritePayloadAsync(Stream stream, byte sequenceId, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        var packet = new byte[4 + Math.Min(payload.Length, PacketReader.MaxPacketLength)];
        while (true)
        {
            var length = Math.Min(payload.Length, PacketReader.MaxPacketLength);
            packet[0] = (byte)length;
            packet[1] = (byte)(length >> 8);
            packet[2] = (byte)(length >> 16);
            packet[3] = sequenceId++;
            payload.Span[..length].CopyTo(packet.AsSpan(4));
            await stream.WriteAsync(packet.AsMemory(0, 4 + length), cancellationToken).ConfigureAwait(false);
            payload = payload[length..];
            if (length < PacketReader.MaxPacketLength)
            {
                break;
            }
        }

        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        return sequenceId;
    }
}
