namespace BranchTasks.Core.Tunnel.Protocol;

/// <summary>Writes a payload as packets (see <see cref="PacketFraming"/>), split at 16 MiB - 1.</summary>
internal static class PacketWriter
{
    /// <summary>Writes <paramref name="payload"/> starting at <paramref name="sequenceId"/>; returns the next sequence id.</summary>
    public static async ValueTask<byte> WritePayloadAsync(Stream stream, byte sequenceId, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        var packets = Frame(payload.Span, ref sequenceId);
        await stream.WriteAsync(packets, cancellationToken).ConfigureAwait(false);
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        return sequenceId;
    }

    /// <summary>
    /// The blocking form, for the relay threads, which own their sockets and never hand them to async code
    /// mid-connection. Returns the next sequence id.
    /// </summary>
    public static byte WritePayload(Stream stream, byte sequenceId, ReadOnlySpan<byte> payload)
    {
        var packets = Frame(payload, ref sequenceId);
        stream.Write(packets);
        stream.Flush();
        return sequenceId;
    }

    private static byte[] Frame(ReadOnlySpan<byte> payload, ref byte sequenceId)
    {
        // A payload of exactly n * 16 MiB - 1 bytes ends with an empty packet, hence the + 1.
        var count = payload.Length / PacketFraming.MaxPacketLength + 1;
        var packets = new byte[payload.Length + count * PacketFraming.HeaderLength];
        var offset = 0;
        while (true)
        {
            var length = Math.Min(payload.Length, PacketFraming.MaxPacketLength);
            PacketFraming.WriteHeader(packets.AsSpan(offset), length, sequenceId++);
            payload[..length].CopyTo(packets.AsSpan(offset + PacketFraming.HeaderLength));
            offset += PacketFraming.HeaderLength + length;
            payload = payload[length..];
            if (!PacketFraming.IsContinued(length))
            {
                return packets;
            }
        }
    }
}
