namespace BranchTasks.Core.Tunnel.Protocol;

/// <summary>OK packet (0x00).</summary>
internal static class OkPayload
{
    public const byte Header = 0x00;

    /// <summary>A plain OK: no rows affected, no insert id, autocommit status, no warnings.</summary>
    public static byte[] Create(ushort statusFlags = 0x0002) => new PayloadWriter().Write(Header).Write((byte)0).Write((byte)0).Write(statusFlags).Write((ushort)0).ToArray();
}
