using System.Buffers.Binary;
using System.ComponentModel;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using System.Security.Principal;

namespace BranchTasks.Core.Platform;

/// <summary>
/// Windows: the owner of the other end of an accepted loopback TCP connection. The IP helper's connection table
/// names the process that owns each endpoint (<c>GetExtendedTcpTable</c>, TCP_TABLE_OWNER_PID_CONNECTIONS); that
/// process's token names its user, compared by SID with ours. A process we may not open belongs to another user
/// (we can always open our own), and a row that is gone means the peer left: neither is the current user.
/// </summary>
[SupportedOSPlatform("windows")]
internal static class WindowsTcpPeers
{
    private const int AfInet = 2;
    private const int AfInet6 = 23;
    private const int TcpTableOwnerPidConnections = 4;
    private const uint ErrorInsufficientBuffer = 122;
    private const uint ProcessQueryLimitedInformation = 0x1000;
    private const uint TokenQuery = 0x0008;

    public static PeerOwner Find(IPEndPoint peer, IPEndPoint local)
    {
        var pid = peer.AddressFamily == AddressFamily.InterNetwork ? FindPid4(peer, local) : FindPid6(peer, local);
        if (pid is null)
        {
            return PeerOwner.Unknown;
        }

        var owner = ProcessUser(pid.Value);
        using var current = WindowsIdentity.GetCurrent();
        if (owner is null)
        {
            return new PeerOwner(PeerOwnerKind.OtherUser, null);
        }

        return owner == current.User
            ? new PeerOwner(PeerOwnerKind.CurrentUser, owner.Value)
            : new PeerOwner(PeerOwnerKind.OtherUser, owner.Value);
    }

    // MIB_TCPROW_OWNER_PID: state, local address, local port, remote address, remote port, owning pid (DWORDs; ports in network order).
    private static uint? FindPid4(IPEndPoint peer, IPEndPoint local)
    {
        var rows = ReadTable(AfInet, out var count);
        const int rowSize = 24;
        var peerAddress = BinaryPrimitives.ReadUInt32LittleEndian(peer.Address.GetAddressBytes());
        var localAddress = BinaryPrimitives.ReadUInt32LittleEndian(local.Address.GetAddressBytes());
        for (var i = 0; i < count; i++)
        {
            var row = rows.AsSpan(4 + i * rowSize, rowSize);
            if (BinaryPrimitives.ReadUInt32LittleEndian(row[4..]) == peerAddress
                && Port(row[8..]) == peer.Port
                && BinaryPrimitives.ReadUInt32LittleEndian(row[12..]) == localAddress
                && Port(row[16..]) == local.Port)
            {
                return BinaryPrimitives.ReadUInt32LittleEndian(row[20..]);
            }
        }

        return null;
    }

    // MIB_TCP6ROW_OWNER_PID: local address (16), local scope, local port, remote address (16), remote scope, remote port, state, owning pid.
    private static uint? FindPid6(IPEndPoint peer, IPEndPoint local)
    {
        var rows = ReadTable(AfInet6, out var count);
        const int rowSize = 56;
        var peerAddress = peer.Address.GetAddressBytes();
        var localAddress = local.Address.GetAddressBytes();
        for (var i = 0; i < count; i++)
        {
            var row = rows.AsSpan(4 + i * rowSize, rowSize);
            if (row[..16].SequenceEqual(peerAddress) && Port(row[20..]) == peer.Port
                && row[24..40].SequenceEqual(localAddress) && Port(row[44..]) == local.Port)
            {
                return BinaryPrimitives.ReadUInt32LittleEndian(row[52..]);
            }
        }

        return null;
    }

    private static int Port(ReadOnlySpan<byte> value) => (value[0] << 8) | value[1];

    private static byte[] ReadTable(int family, out int count)
    {
        var size = 0;
        // Asks only for the size (ERROR_INSUFFICIENT_BUFFER is the expected answer); the loop below checks results.
        _ = GetExtendedTcpTable(IntPtr.Zero, ref size, false, family, TcpTableOwnerPidConnections, 0);
        while (true)
        {
            var buffer = Marshal.AllocHGlobal(size);
            try
            {
                var result = GetExtendedTcpTable(buffer, ref size, false, family, TcpTableOwnerPidConnections, 0);
                if (result == ErrorInsufficientBuffer)
                {
                    continue;
                }

                if (result != 0)
                {
                    throw new Win32Exception((int)result);
                }

                var bytes = new byte[size];
                Marshal.Copy(buffer, bytes, 0, size);
                count = BinaryPrimitives.ReadInt32LittleEndian(bytes);
                return bytes;
            }
            finally
            {
                Marshal.FreeHGlobal(buffer);
            }
        }
    }

    private static SecurityIdentifier? ProcessUser(uint pid)
    {
        var process = OpenProcess(ProcessQueryLimitedInformation, false, pid);
        if (process == IntPtr.Zero)
        {
            return null;
        }

        try
        {
            if (!OpenProcessToken(process, TokenQuery, out var token))
            {
                return null;
            }

            try
            {
                using var identity = new WindowsIdentity(token);
                return identity.User;
            }
            finally
            {
                CloseHandle(token);
            }
        }
        finally
        {
            CloseHandle(process);
        }
    }

    [DllImport("iphlpapi.dll")]
    private static extern uint GetExtendedTcpTable(IntPtr table, ref int size, [MarshalAs(UnmanagedType.Bool)] bool order, int family, int tableClass, uint reserved);

    [DllImport("kernel32.dll", SetLastError = true)]
    private static extern IntPtr OpenProcess(uint access, [MarshalAs(UnmanagedType.Bool)] bool inherit, uint processId);

    [DllImport("advapi32.dll", SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    private static extern bool OpenProcessToken(IntPtr process, uint access, out IntPtr token);

    [DllImport("kernel32.dll", SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    private static extern bool CloseHandle(IntPtr handle);
}
