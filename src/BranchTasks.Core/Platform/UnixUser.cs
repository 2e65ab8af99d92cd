using System.Runtime.InteropServices;

namespace BranchTasks.Core.Platform;

/// <summary>The numeric id of the user this process runs as (Linux, macOS).</summary>
internal static partial class UnixUser
{
    private static readonly Lazy<uint> Effective = new(geteuid);

    public static uint EffectiveUserId => Effective.Value;

    [DllImport("libc", EntryPoint = "geteuid")]
    private static extern uint geteuid();
}
