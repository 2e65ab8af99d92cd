using System.Net;
using System.Runtime.InteropServices;
using BranchTasks.Core.Platform;

namespace BranchTasks.Core.Tests.Platform;

/// <summary>The netlink request and reply, byte by byte: a reply is believed only when every length and field adds up.</summary>
public sealed class SockDiagMessagesTests
{
    private const uint Sequence = 7;
    private static readonly IPEndPoint Peer = new(IPAddress.Loopback, 51000);
    private static readonly IPEndPoint Local = new(IPAddress.Loopback, 3306);

    [Fact]
    public void The_request_names_the_one_socket_by_family_ports_and_addresses()
    {
        var request = new byte[SockDiagMessages.RequestLength];
        SockDiagMessages.WriteRequest(request, Sequence, Peer, Local);

        Assert.Equal(72, request.Length);
        Assert.Equal(72u, U32(request, 0));
        Assert.Equal(20, U16(request, 4));                    // SOCK_DIAG_BY_FAMILY
        Assert.Equal(1, U16(request, 6));                     // NLM_F_REQUEST, no dump
        Assert.Equal(Sequence, U32(request, 8));
        Assert.Equal(new byte[] { 2, 6, 0, 0 }, request[16..20]);   // AF_INET, IPPROTO_TCP
        Assert.Equal(uint.MaxValue, U32(request, 20));        // any state
        Assert.Equal(new byte[] { 0xC7, 0x38, 0x0C, 0xEA }, request[24..28]);   // ports in network order
        Assert.Equal(new byte[] { 127, 0, 0, 1 }, request[28..32]);
        Assert.Equal(new byte[] { 127, 0, 0, 1 }, request[44..48]);
        Assert.Equal(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF }, request[64..72]);   // no cookie
    }

    [Fact]
    public void Mapped_endpoints_are_asked_as_ipv4_and_ipv6_ones_as_ipv6()
    {
        var request = new byte[SockDiagMessages.RequestLength];
        SockDiagMessages.WriteRequest(request, Sequence, new IPEndPoint(IPAddress.Loopback.MapToIPv6(), 51000), new IPEndPoint(IPAddress.Loopback.MapToIPv6(), 3306));
        Assert.Equal(2, request[16]);
        Assert.Equal(new byte[] { 127, 0, 0, 1 }, request[28..32]);

        SockDiagMessages.WriteRequest(request, Sequence, new IPEndPoint(IPAddress.IPv6Loopback, 51000), new IPEndPoint(IPAddress.IPv6Loopback, 3306));
        Assert.Equal(10, request[16]);
        Assert.Equal(IPAddress.IPv6Loopback.GetAddressBytes(), request[28..44]);
        Assert.Equal(IPAddress.IPv6Loopback.GetAddressBytes(), request[44..60]);

        Assert.Throws<SockDiagException>(() => SockDiagMessages.WriteRequest(new byte[SockDiagMessages.RequestLength], Sequence, Peer, new IPEndPoint(IPAddress.IPv6Loopback, 3306)));
    }

    [Fact]
    public void A_well_formed_reply_gives_uid_and_inode_attributes_and_all()
    {
        Assert.Equal(new SockDiagAnswer(1000, 4242), Read(Reply(uid: 1000, inode: 4242)));
        Assert.Equal(new SockDiagAnswer(1000, 4242), Read(Reply(uid: 1000, inode: 4242, attributes: 52)));
    }

    [Fact]
    public void A_dual_stack_socket_described_with_mapped_addresses_answers_an_ipv4_question()
    {
        var reply = Reply(uid: 65534, inode: 9, family: 10, source: IPAddress.Loopback.MapToIPv6(), destination: IPAddress.Loopback.MapToIPv6());
        Assert.Equal(new SockDiagAnswer(65534, 9), Read(reply));

        // ... but an IPv6 address that is not the mapped one does not.
        var other = Reply(uid: 65534, inode: 9, family: 10, source: IPAddress.IPv6Loopback, destination: IPAddress.Loopback.MapToIPv6());
        Assert.Throws<SockDiagException>(() => Read(other));
    }

    [Fact]
    public void Every_truncation_of_a_reply_is_refused()
    {
        var reply = Reply(uid: 1000, inode: 4242);
        for (var length = 0; length < reply.Length; length++)
        {
            var cut = reply[..length];
            Assert.Throws<SockDiagException>(() => Read(cut));
        }
    }

    [Fact]
    public void A_message_length_that_does_not_fit_is_refused()
    {
        var reply = Reply(uid: 1000, inode: 4242);
        foreach (var length in new uint[] { 0, 15, 16 + 71, (uint)reply.Length + 1, uint.MaxValue })
        {
            var garbled = (byte[])reply.Clone();
            MemoryMarshal.Write(garbled, in length);
            Assert.Throws<SockDiagException>(() => Read(garbled));
        }
    }

    [Fact]
    public void A_reply_to_another_request_is_refused()
    {
        Assert.Throws<SockDiagException>(() => SockDiagMessages.ReadReply(Reply(uid: 0, inode: 1), Sequence + 1, Peer, Local));
    }

    [Fact]
    public void A_reply_about_another_socket_is_refused()
    {
        // Another peer port, another local port, another address, a listener (no remote end), an unknown family.
        Assert.Throws<SockDiagException>(() => Read(Reply(uid: 0, inode: 1, sourcePort: 51001)));
        Assert.Throws<SockDiagException>(() => Read(Reply(uid: 0, inode: 1, destinationPort: 3307)));
        Assert.Throws<SockDiagException>(() => Read(Reply(uid: 0, inode: 1, source: IPAddress.Parse("127.0.0.2"))));
        Assert.Throws<SockDiagException>(() => Read(Reply(uid: 0, inode: 1, destinationPort: 0, destination: IPAddress.Any)));
        Assert.Throws<SockDiagException>(() => Read(Reply(uid: 0, inode: 1, family: 1)));

        // An IPv4 description never answers an IPv6 question.
        var v6Peer = new IPEndPoint(IPAddress.IPv6Loopback, 51000);
        var v6Local = new IPEndPoint(IPAddress.IPv6Loopback, 3306);
        Assert.Throws<SockDiagException>(() => SockDiagMessages.ReadReply(Reply(uid: 0, inode: 1), Sequence, v6Peer, v6Local));
        Assert.Equal(new SockDiagAnswer(0, 1), SockDiagMessages.ReadReply(Reply(uid: 0, inode: 1, family: 10, source: IPAddress.IPv6Loopback, destination: IPAddress.IPv6Loopback), Sequence, v6Peer, v6Local));
    }

    [Fact]
    public void No_such_socket_and_an_empty_answer_are_null_other_errors_are_refused()
    {
        Assert.Null(Read(Error(-2)));                               // ENOENT
        Assert.Null(Read(Header(type: 3, payload: 4)));             // NLMSG_DONE
        Assert.Throws<SockDiagException>(() => Read(Error(-1)));    // EPERM
        Assert.Throws<SockDiagException>(() => Read(Error(0)));     // an acknowledgement is no answer
        Assert.Throws<SockDiagException>(() => Read(Error(-2)[..19]));
        Assert.Throws<SockDiagException>(() => Read(Header(type: 2, payload: 0)));
        Assert.Throws<SockDiagException>(() => Read(Header(type: 16, payload: 72)));   // some other message type
    }

    private static SockDiagAnswer? Read(byte[] reply) => SockDiagMessages.ReadReply(reply, Sequence, Peer, Local);

    private static byte[] Reply(
        uint uid,
        uint inode,
        byte family = 2,
        IPAddress? source = null,
        IPAddress? destination = null,
        int sourcePort = 51000,
        int destinationPort = 3306,
        int attributes = 0)
    {
        var reply = Header(type: 20, payload: 72 + attributes);
        var body = reply.AsSpan(16);
        body[0] = family;
        body[1] = 1;                                                // ESTABLISHED
        body[4] = (byte)(sourcePort >> 8);
        body[5] = (byte)sourcePort;
        body[6] = (byte)(destinationPort >> 8);
        body[7] = (byte)destinationPort;
        (source ?? IPAddress.Loopback).GetAddressBytes().CopyTo(body[8..]);
        (destination ?? IPAddress.Loopback).GetAddressBytes().CopyTo(body[24..]);
        MemoryMarshal.Write(body[64..], in uid);
        MemoryMarshal.Write(body[68..], in inode);
        return reply;
    }

    private static byte[] Error(int code)
    {
        var reply = Header(type: 2, payload: 4 + 16);
        MemoryMarshal.Write(reply.AsSpan(16), in code);
        return reply;
    }

    private static byte[] Header(ushort type, int payload)
    {
        var message = new byte[16 + payload];
        var length = (uint)message.Length;
        var sequence = Sequence;
        MemoryMarshal.Write(message, in length);
        MemoryMarshal.Write(message.AsSpan(4), in type);
        MemoryMarshal.Write(message.AsSpan(8), in sequence);
        return message;
    }

    private static uint U32(byte[] bytes, int offset) => MemoryMarshal.Read<uint>(bytes.AsSpan(offset));

    private static ushort U16(byte[] bytes, int offset) => MemoryMarshal.Read<ushort>(bytes.AsSpan(offset));
}
