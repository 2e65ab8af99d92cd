using BranchTasks.Core.Tunnel.Protocol;

namespace BranchTasks.Core.Tests.Tunnel.Protocol;

public sealed class PacketReaderTests
{
    private static byte[] Packet(int length, byte sequence, byte fill = 0x41) =>
        [(byte)length, (byte)(length >> 8), (byte)(length >> 16), sequence, .. Enumerable.Repeat(fill, length)];

    [Fact]
    public async Task A_length_over_the_bound_is_refused_before_any_of_it_is_read()
    {
        // Announces 16 MiB - 1 but sends only the header: a reader that trusted the length would wait or allocate.
        using var stream = new MemoryStream([0xFF, 0xFF, 0xFF, 0x01]);
        var error = await Assert.ThrowsAsync<InvalidDataException>(() => new PacketReader(stream, 1024).ReadPayloadAsync(default).AsTask());
        Assert.Contains("too large", error.Message);
    }

    [Fact]
    public async Task Continuations_count_towards_the_bound()
    {
        using var stream = new MemoryStream([.. Packet(PacketFraming.MaxPacketLength, 1), .. Packet(10, 2)]);
        await Assert.ThrowsAsync<InvalidDataException>(() => new PacketReader(stream, PacketFraming.MaxPacketLength).ReadPayloadAsync(default).AsTask());
    }

    [Fact]
    public async Task Continuations_within_the_bound_are_joined_in_order()
    {
        using var stream = new MemoryStream([.. Packet(PacketFraming.MaxPacketLength, 1, 0x41), .. Packet(3, 2, 0x42)]);
        var reader = new PacketReader(stream, 32 * 1024 * 1024);
        var payload = await reader.ReadPayloadAsync(default);
        Assert.Equal(PacketFraming.MaxPacketLength + 3, payload.Length);
        Assert.Equal(0x41, payload[PacketFraming.MaxPacketLength - 1]);
        Assert.Equal(0x42, payload[^1]);
        Assert.Equal(2, reader.LastSequenceId);
    }

    [Fact]
    public async Task A_truncated_packet_ends_the_stream_read()
    {
        using var stream = new MemoryStream([0x10, 0x00, 0x00, 0x01, 0x00]);
        await Assert.ThrowsAsync<EndOfStreamException>(() => new PacketReader(stream, 1024).ReadPayloadAsync(default).AsTask());
    }

    [Theory]
    [InlineData(new byte[] { })]
    [InlineData(new byte[] { 0x0A })]
    [InlineData(new byte[] { 0x0A, 0x31, 0x00, 0x01, 0x02 })]
    [InlineData(new byte[] { 0xFE, 0x00 })]
    public void Truncated_payloads_throw_one_exception_type(byte[] payload)
    {
        Assert.Throws<InvalidDataException>(() => InitialHandshakePayload.Parse(payload));
        Assert.Throws<InvalidDataException>(() => HandshakeResponse41Payload.Parse(payload));
    }
}
