using BranchTasks.Core.Tunnel.Protocol;

namespace BranchTasks.Core.Tests.Tunnel.Protocol;

/// <summary>
/// The relay's packet-boundary tracker, fed bytes exactly as the copy loop feeds it: whatever a read returned,
/// behind what it held back. However the stream is cut into reads, it must see the same packets.
/// </summary>
public sealed class PacketBoundaryTrackerTests
{
    private const byte ComQuery = 0x03;

    [Fact]
    public void Every_split_of_the_stream_and_every_read_size_yield_the_same_packets()
    {
        var (stream, expected) = Build(
            new Sent(Payload(ComQuery, "SELECT 1"), 0, IsCommand: true),
            new Sent([ChangeUserPayload.Command, 0x72, 0x6F, 0x6F, 0x74, 0x00], 0, IsCommand: true),
            new Sent([], 0, IsCommand: true),
            new Sent(Payload(ComQuery, "LOAD DATA LOCAL INFILE 'x' INTO TABLE t"), 0, IsCommand: true),
            new Sent(Payload(ChangeUserPayload.Command, "data that starts like COM_CHANGE_USER"), 2, IsCommand: false),
            new Sent([], 3, IsCommand: false),
            new Sent([0x0E], 0, IsCommand: true),
            new Sent(Payload(ComQuery, "KILL 7"), 0, IsCommand: true));

        for (var split = 0; split <= stream.Length; split++)
        {
            Assert.Equal(expected, Track(stream, [split]));
        }

        for (var size = 1; size <= stream.Length; size++)
        {
            Assert.Equal(expected, Track(stream, ReadEnds(stream.Length, size)));
        }
    }

    [Fact]
    public void A_header_or_command_byte_cut_off_by_a_read_is_held_back_until_it_is_whole()
    {
        var tracker = default(PacketBoundaryTracker);
        byte[] query = [.. Header(8, 0), .. Payload(ComQuery, "SELECT1")];
        for (var have = 0; have <= PacketFraming.HeaderLength; have++)
        {
            Assert.Equal(0, tracker.Pass(query.AsSpan(0, have), out var next));
            Assert.Null(next);
        }

        Assert.Equal(0, tracker.Pass(query.AsSpan(0, PacketFraming.HeaderLength + 1), out var whole));
        Assert.Equal(new PacketStart(8, 0, IsCommand: true, ComQuery), whole);

        // An empty packet has no command byte to wait for: its header is all there is.
        Assert.Equal(0, tracker.Pass(Header(0, 0), out var empty));
        Assert.Equal(new PacketStart(0, 0, IsCommand: true, -1), empty);
    }

    [Fact]
    public void A_payload_of_16_MiB_minus_1_is_continued_by_the_next_packet_even_an_empty_one()
    {
        // The big payloads are filled with what looks like COM_CHANGE_USER packets, for a tracker that loses its place.
        var lookalike = Enumerable.Range(0, PacketFraming.MaxPacketLength).Select(i => (byte)((i % 5) switch { 0 => 0x05, 4 => ChangeUserPayload.Command, _ => 0 })).ToArray();
        var (stream, expected) = Build(
            new Sent([ComQuery, .. lookalike.AsSpan(1)], 0, IsCommand: true),
            new Sent([], 1, IsCommand: false),
            new Sent(Payload(ComQuery, "SELECT 2"), 0, IsCommand: true),
            new Sent([ComQuery, .. lookalike.AsSpan(1)], 0, IsCommand: true),
            new Sent(lookalike, 1, IsCommand: false),
            new Sent([ChangeUserPayload.Command, 0x01], 2, IsCommand: false),
            new Sent([0x0E], 0, IsCommand: true),
            // A continued payload whose sequence ids wrap: the continuation after 255 is still no command.
            new Sent(lookalike, 255, IsCommand: false),
            new Sent([ChangeUserPayload.Command, 0x02], 0, IsCommand: false),
            new Sent([0x0E], 0, IsCommand: true),
            // A peer whose ids do not count up: what follows a full packet continues it, even with sequence id 0.
            new Sent([ComQuery, .. lookalike.AsSpan(1)], 0, IsCommand: true),
            new Sent([ChangeUserPayload.Command, 0x03], 0, IsCommand: false),
            new Sent([0x0E], 0, IsCommand: true));

        Assert.Equal(expected, Track(stream, [stream.Length]));
        foreach (var size in new[] { 7, 4093, 64 * 1024 })
        {
            Assert.Equal(expected, Track(stream, ReadEnds(stream.Length, size)));
        }

        // Reads that end at and around every header, where a tracker could mistake a boundary.
        var headers = HeaderOffsets(expected);
        foreach (var split in headers.SelectMany(h => Enumerable.Range(h - 2, 8)).Where(s => s > 0 && s < stream.Length))
        {
            Assert.Equal(expected, Track(stream, [split]));
        }
    }

    [Fact]
    public void Sequence_ids_wrap_during_a_LOAD_DATA_stream_without_a_packet_looking_like_a_command()
    {
        // The app answers the server's LOCAL INFILE request (sequence id 1) with data packets from 2 on; a long
        // file wraps the id from 255 to 0, and such a packet must not pass for a command, whatever it starts with.
        var packets = new List<Sent> { new(Payload(ComQuery, "LOAD DATA LOCAL INFILE 'f' INTO TABLE t"), 0, IsCommand: true) };
        var sequence = (byte)2;
        for (var i = 0; i < 300; i++)
        {
            byte[] data = (i % 3) switch
            {
                0 => [ChangeUserPayload.Command, 0x61, 0x00],
                1 => Payload(ComQuery, "KILL 1"),
                _ => [0x0E],
            };
            packets.Add(new Sent(data, sequence++, IsCommand: false));
        }

        packets.Add(new Sent([], sequence, IsCommand: false));
        packets.Add(new Sent(Payload(ComQuery, "KILL 1"), 0, IsCommand: true));
        Assert.Contains(packets, p => p.SequenceId == 0 && !p.IsCommand);

        var (stream, expected) = Build([.. packets]);
        for (var split = 0; split <= stream.Length; split++)
        {
            Assert.Equal(expected, Track(stream, [split]));
        }

        foreach (var size in new[] { 1, 2, 3, 5, 11, 64 })
        {
            Assert.Equal(expected, Track(stream, ReadEnds(stream.Length, size)));
        }
    }

    [Fact]
    public void The_command_after_a_LOAD_DATA_stream_that_ends_at_sequence_id_255_is_a_command()
    {
        // The end-of-file packet (empty) takes id 255: the app's next command starts at 0 and must be seen as one
        // (a KILL in it is re-addressed, a COM_CHANGE_USER re-authenticated), unlike data that wraps to 0.
        var packets = new List<Sent> { new(Payload(ComQuery, "LOAD DATA LOCAL INFILE 'f' INTO TABLE t"), 0, IsCommand: true) };
        for (var sequence = 2; sequence < 255; sequence++)
        {
            packets.Add(new Sent([0x31, 0x0A], (byte)sequence, IsCommand: false));
        }

        packets.Add(new Sent([], 255, IsCommand: false));
        packets.Add(new Sent(Payload(ComQuery, "KILL QUERY 9"), 0, IsCommand: true));
        // A zero-length continuation at 255 ends nothing: the data may go on, wrapping to 0.
        packets.Add(new Sent(Payload(ComQuery, "LOAD DATA LOCAL INFILE 'g' INTO TABLE t"), 0, IsCommand: true));
        for (var sequence = 2; sequence < 254; sequence++)
        {
            packets.Add(new Sent([0x31, 0x0A], (byte)sequence, IsCommand: false));
        }

        packets.Add(new Sent(Enumerable.Repeat((byte)0x31, PacketFraming.MaxPacketLength).ToArray(), 254, IsCommand: false));
        packets.Add(new Sent([], 255, IsCommand: false));
        packets.Add(new Sent([ChangeUserPayload.Command, 0x31], 0, IsCommand: false));
        packets.Add(new Sent([], 1, IsCommand: false));
        packets.Add(new Sent([0x0E], 0, IsCommand: true));

        var (stream, expected) = Build([.. packets]);
        Assert.Equal(expected, Track(stream, [stream.Length]));
        Assert.Equal(expected, Track(stream, ReadEnds(stream.Length, 1021)));
    }

    [Fact]
    public void A_packet_taken_out_of_the_stream_leaves_the_tracker_at_the_next_boundary()
    {
        var tracker = default(PacketBoundaryTracker);
        byte[] stream = [.. Header(7, 0), .. Payload(ComQuery, "KILL 5"), .. Header(1, 0), 0x0E];
        tracker.Pass(stream, out var kill);
        tracker.Skip(kill!.Value);
        Assert.Equal(0, tracker.PayloadRemaining);
        Assert.Equal(0, tracker.Pass(stream.AsSpan(PacketFraming.HeaderLength + 7), out var next));
        Assert.Equal(new PacketStart(1, 0, IsCommand: true, 0x0E), next);
        Assert.Throws<InvalidOperationException>(() =>
        {
            var inside = default(PacketBoundaryTracker);
            inside.Pass(stream, out var first);
            inside.Enter(first!.Value);
            inside.Enter(first.Value);
        });
    }

    private sealed record Sent(byte[] Payload, byte SequenceId, bool IsCommand);

    private static (byte[] Stream, List<PacketStart> Expected) Build(params Sent[] packets)
    {
        var stream = new List<byte>();
        var expected = new List<PacketStart>();
        foreach (var packet in packets)
        {
            stream.AddRange(Header(packet.Payload.Length, packet.SequenceId));
            stream.AddRange(packet.Payload);
            expected.Add(new PacketStart(packet.Payload.Length, packet.SequenceId, packet.IsCommand, packet.Payload.Length > 0 ? packet.Payload[0] : -1));
        }

        return (stream.ToArray(), expected);
    }

    /// <summary>Feeds <paramref name="stream"/> in reads ending at <paramref name="readEnds"/> (and at its end), as the relay does.</summary>
    private static List<PacketStart> Track(byte[] stream, IEnumerable<int> readEnds)
    {
        var tracker = default(PacketBoundaryTracker);
        var seen = new List<PacketStart>();
        var consumed = 0;
        foreach (var end in readEnds.Append(stream.Length))
        {
            // What the relay has: the bytes it held back, then what the read returned.
            var available = stream.AsSpan(consumed, end - consumed);
            var position = 0;
            while (true)
            {
                position += tracker.Pass(available[position..], out var next);
                if (next is not { } packet)
                {
                    break;
                }

                seen.Add(packet);
                tracker.Enter(packet);
                position += PacketFraming.HeaderLength;
            }

            consumed += position;
        }

        Assert.Equal(stream.Length, consumed);
        Assert.Equal(0, tracker.PayloadRemaining);
        return seen;
    }

    private static IEnumerable<int> ReadEnds(int length, int size)
    {
        for (var end = size; end < length; end += size)
        {
            yield return end;
        }
    }

    private static IEnumerable<int> HeaderOffsets(List<PacketStart> packets)
    {
        var offset = 0;
        foreach (var packet in packets)
        {
            yield return offset;
            offset += PacketFraming.HeaderLength + packet.Length;
        }
    }

    private static byte[] Header(int length, byte sequenceId)
    {
        var header = new byte[PacketFraming.HeaderLength];
        PacketFraming.WriteHeader(header, length, sequenceId);
        return header;
    }

    private static byte[] Payload(byte command, string text) => [command, .. System.Text.Encoding.ASCII.GetBytes(text)];
}
