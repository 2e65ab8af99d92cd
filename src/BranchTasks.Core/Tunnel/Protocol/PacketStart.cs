namespace BranchTasks.Core.Tunnel.Protocol;

/// <summary>A packet's header, seen by <see cref="PacketBoundaryTracker"/> before it passes.</summary>
/// <param name="Length">Payload bytes of this packet (a continued payload counts per packet).</param>
/// <param name="SequenceId">The header's sequence id.</param>
/// <param name="IsCommand">The packet starts a command (sequence id 0, not a continuation and not a wrap-around).</param>
/// <param name="FirstByte">The payload's first byte (a command packet's command), or -1 when the payload is empty.</param>
internal readonly record struct PacketStart(int Length, byte SequenceId, bool IsCommand, int FirstByte)
{
    /// <summary>A command packet starting with <paramref name="command"/>.</summary>
    public bool IsCommandOf(byte command) => IsCommand && FirstByte == command;
}
