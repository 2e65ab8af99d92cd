namespace BranchTasks.Core.Tunnel.Protocol;

/// <summary>Writes a payload as packets (see <see cref="PacketFraming"/>), split at 16 MiB - 1.</summary>
internal static class PacketWriter
{
    /// <summary>Writes <paramref name="payload"/> starting at <paramref name="sequenceId"/>; returns the next sequence id.</summary>
    public static async ValueTask<byte> WritePayloadAsync(Stream stream, byte sequenceId, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        var packet = new byte[PacketFraming.HeaderLength + Math.Min(payload.Length, PacketFraming.MaxPacketLength)];
        while (true)
        {
            var length = Math.Min(payload.Length, PacketFraming.MaxPacketLength);
            PacketFraming.WriteHeader(packet, length, sequenceId++);
            payload.Span[..length].CopyTo(packet.AsSpan(PacketFraming.HeaderLength));
            await stream.WriteAsync(packet.AsMemory(0, PacketFraming.HeaderLength + length), cancellationToken).ConfigureAwait(false);
            payload = payload[length..];
            if (!PacketFraming.IsContinued(length))
            {
                break;
            }
        }

        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        return sequenceId;
    }
}
