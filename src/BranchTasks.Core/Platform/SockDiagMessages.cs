using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace BranchTasks.Core.Platform;

/// <summary>
/// The bytes of a NETLINK_SOCK_DIAG exchange for one TCP socket (linux/inet_diag.h): a SOCK_DIAG_BY_FAMILY request
/// naming the socket by its exact addresses and ports, and the kernel's reply, read with every length checked. The
/// netlink header and the uid/inode fields are in host byte order; ports and addresses in network order.
/// </summary>
internal static class SockDiagMessages
{
    public const int RequestLength = HeaderLength + 56;

    private const int HeaderLength = 16;          // struct nlmsghdr
    private const int DiagMessageLength = 72;     // struct inet_diag_msg
    private const ushort NlmsgError = 2;
    private const ushort NlmsgDone = 3;
    private const ushort SockDiagByFamily = 20;
    private const ushort NlmFRequest = 1;
    private const byte AfInet = 2;
    private const byte AfInet6 = 10;
    private const byte IpProtoTcp = 6;
    private const int NoSuchSocket = -2;          // -ENOENT

    /// <summary>
    /// The request for the socket whose own end is <paramref name="source"/> and whose other end is
    /// <paramref name="destination"/>. IPv4 (and IPv4-mapped) endpoints are asked as AF_INET: the kernel's IPv4
    /// table holds both IPv4 sockets and dual-stack IPv6 sockets connected over IPv4.
    /// </summary>
    public static void WriteRequest(Span<byte> request, uint sequence, IPEndPoint source, IPEndPoint destination)
    {
        if (request.Length != RequestLength)
        {
            throw new ArgumentException($"a request is {RequestLength} bytes", nameof(request));
        }

        var v4 = IsV4(source.Address);
        if (v4 != IsV4(destination.Address))
        {
            throw new SockDiagException($"{source} and {destination} are not of one address family");
        }

        request.Clear();
        Write(request, 0, (uint)RequestLength);
        Write(request, 4, SockDiagByFamily);
        Write(request, 6, NlmFRequest);
        Write(request, 8, sequence);
        request[HeaderLength] = v4 ? AfInet : AfInet6;
        request[HeaderLength + 1] = IpProtoTcp;
        Write(request, HeaderLength + 4, uint.MaxValue);     // idiag_states: any
        WriteSocketId(request[(HeaderLength + 8)..], source, destination, v4);
    }

    /// <summary>
    /// The owner in the kernel's reply to request <paramref name="sequence"/>, or null when the kernel has no such
    /// socket (ENOENT, which a kernel without the inet_diag module answers too). Anything else that is not a reply
    /// for exactly this socket throws <see cref="SockDiagException"/>.
    /// </summary>
    public static SockDiagAnswer? ReadReply(ReadOnlySpan<byte> reply, uint sequence, IPEndPoint source, IPEndPoint destination)
    {
        if (reply.Length < HeaderLength)
        {
            throw new SockDiagException($"a reply of {reply.Length} bytes has no netlink header");
        }

        var length = Read<uint>(reply, 0);
        if (length < HeaderLength || length > (uint)reply.Length)
        {
            throw new SockDiagException($"the reply's message length {length} does not fit its {reply.Length} bytes");
        }

        var message = reply[..(int)length];
        if (Read<uint>(message, 8) != sequence)
        {
            throw new SockDiagException($"a reply to request {Read<uint>(message, 8)}, not {sequence}");
        }

        var body = message[HeaderLength..];
        switch (Read<ushort>(message, 4))
        {
            case NlmsgDone:
                return null;
            case NlmsgError when body.Length < 4:
                throw new SockDiagException("an error message without its error code");
            case NlmsgError when Read<int>(body, 0) == NoSuchSocket:
                return null;
            case NlmsgError:
                throw new SockDiagException($"the kernel answered error {Read<int>(body, 0)}");
            case SockDiagByFamily:
                return ReadDiagMessage(body, source, destination);
            case var type:
                throw new SockDiagException($"an unexpected netlink message type {type}");
        }
    }

    private static SockDiagAnswer ReadDiagMessage(ReadOnlySpan<byte> body, IPEndPoint source, IPEndPoint destination)
    {
        if (body.Length < DiagMessageLength)
        {
            throw new SockDiagException($"a socket description of {body.Length} bytes, less than {DiagMessageLength}");
        }

        var family = body[0];
        if (family is not (AfInet or AfInet6))
        {
            throw new SockDiagException($"a socket of address family {family}");
        }

        // The kernel answers for the socket it found; take it only if it is exactly the one asked for (a listener,
        // say, has no remote end).
        var id = body[4..];
        var addressLength = family == AfInet ? 4 : 16;
        if (ReadPort(id, 0) != source.Port || ReadPort(id, 2) != destination.Port
            || !SameAddress(id.Slice(4, addressLength), source.Address)
            || !SameAddress(id.Slice(20, addressLength), destination.Address))
        {
            throw new SockDiagException("the reply describes another socket than the one asked for");
        }

        return new SockDiagAnswer(Read<uint>(body, 64), Read<uint>(body, 68));
    }

    private static void WriteSocketId(Span<byte> id, IPEndPoint source, IPEndPoint destination, bool v4)
    {
        WritePort(id, 0, source.Port);
        WritePort(id, 2, destination.Port);
        WriteAddress(id[4..], source.Address, v4);
        WriteAddress(id[20..], destination.Address, v4);
        Write(id, 36, (uint)(v4 ? 0 : source.Address.ScopeId));
        Write(id, 40, uint.MaxValue);                        // INET_DIAG_NOCOOKIE
        Write(id, 44, uint.MaxValue);
    }

    private static bool IsV4(IPAddress address) => address.AddressFamily == AddressFamily.InterNetwork || address.IsIPv4MappedToIPv6;

    private static void WriteAddress(Span<byte> field, IPAddress address, bool v4)
    {
        var target = v4 ? address.MapToIPv4() : address;
        if (!target.TryWriteBytes(field, out _))
        {
            throw new SockDiagException($"address {address} does not fit a socket id");
        }
    }

    /// <summary>An IPv6 answer for an IPv4 question is a dual-stack socket: its addresses are IPv4-mapped.</summary>
    private static bool SameAddress(ReadOnlySpan<byte> field, IPAddress expected)
    {
        var v4 = IsV4(expected);
        if (field.Length == 4 && !v4)
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[16];
        var target = field.Length == 4 ? expected.MapToIPv4() : v4 ? expected.MapToIPv6() : expected;
        return target.TryWriteBytes(bytes, out var written) && written == field.Length && field.SequenceEqual(bytes[..written]);
    }

    private static int ReadPort(ReadOnlySpan<byte> id, int offset) => (id[offset] << 8) | id[offset + 1];

    private static void WritePort(Span<byte> id, int offset, int port)
    {
        id[offset] = (byte)(port >> 8);
        id[offset + 1] = (byte)port;
    }

    private static T Read<T>(ReadOnlySpan<byte> bytes, int offset) where T : struct => MemoryMarshal.Read<T>(bytes[offset..]);

    private static void Write<T>(Span<byte> bytes, int offset, T value) where T : struct => MemoryMarshal.Write(bytes[offset..], in value);
}

/// <summary>The kernel's word on one socket: the uid that created it, and its inode (0: no open file, so no owner).</summary>
internal readonly record struct SockDiagAnswer(uint Uid, uint Inode);
