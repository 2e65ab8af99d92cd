namespace BranchTasks.Core.Tunnel.Protocol;

/// <summary>0x01 followed by plugin-specific data (caching_sha2_password's fast-auth result or public key).</summary>
internal static class AuthMoreDataPayload
{
    public const byte Header = 0x01;

    public static ReadOnlySpan<byte> Data(ReadOnlySpan<byte> payload)
    {
        var reader = new PayloadReader(payload);
        reader.ReadByte();
        return reader.ReadRemaining();
    }
}
