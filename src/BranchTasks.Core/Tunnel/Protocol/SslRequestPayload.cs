namespace BranchTasks.Core.Tunnel.Protocol;

/// <summary>SSLRequest: the first 32 bytes of a HandshakeResponse41, after which the client starts TLS.</summary>
internal static class SslRequestPayload
{
    public static byte[] Create(CapabilityFlags capabilities, uint mariaDbCapabilities, byte characterSet, uint maxPacketSize) =>
        new PayloadWriter()
            .Write((uint)(capabilities | CapabilityFlags.Ssl)).Write(maxPacketSize).Write(characterSet).WriteZeros(19).Write(mariaDbCapabilities)
            .ToArray();
}
