using BranchTasks.Core.Tunnel;
using BranchTasks.Core.Tunnel.Protocol;

namespace BranchTasks.Core.Tests.Tunnel;

/// <summary>
/// COM_CHANGE_USER between the relay's two directions, over a leg whose calls complete asynchronously: nothing may
/// rely on a write having finished by the time its call returns, and neither side may be left waiting for ever.
/// </summary>
public sealed class ChangeUserExchangeTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);
    private const CapabilityFlags Flags = CapabilityFlags.Protocol41 | CapabilityFlags.SecureConnection | CapabilityFlags.PluginAuth;

    [Fact]
    public async Task The_reading_side_writes_upstream_only_after_the_request_write_has_completed()
    {
        var leg = new AsyncLeg();
        leg.HoldWrites();
        var exchange = new ChangeUserExchange(new ScriptedUpstream(leg), "daemon");
        var request = Task.Run(() => exchange.RequestAsync(AppRequest("db1"), default));

        // The request's bytes are out but its write call has not returned, and a fast server has answered already.
        var sent = await leg.Written.Reader.ReadAsync().AsTask().WaitAsync(Bound);
        Assert.Equal(ChangeUserPayload.Command, sent[PacketFraming.HeaderLength]);
        Assert.True(exchange.AwaitsAnswer);
        leg.Send(Packet(1, new AuthSwitchRequestPayload("mysql_native_password", new byte[20]).Serialize()));
        leg.Send(Packet(3, OkPayload.Create()));
        var (first, count) = await ReadAsync(leg);
        using var client = new MemoryStream();
        var answer = Task.Run(() => exchange.AnswerAsync(first.AsMemory(0, count), client, default));

        // A reading side that took the leg now would write its auth-switch response on top of the pending write.
        var early = await Task.WhenAny(answer, leg.Written.Reader.WaitToReadAsync().AsTask(), Task.Delay(500));
        Assert.NotSame(answer, early);
        Assert.False(leg.Written.Reader.TryPeek(out _), "the reading side wrote upstream while the request's write was in flight");
        Assert.Equal(0, leg.OverlappingWrites);

        leg.CompleteWrites();
        await answer.WaitAsync(Bound);
        Assert.True(await request.WaitAsync(Bound));
        var authResponse = await leg.Written.Reader.ReadAsync().AsTask().WaitAsync(Bound);
        Assert.Equal(2, authResponse[3]);
        Assert.Equal(0, leg.OverlappingWrites);
        Assert.Equal(Packet(1, OkPayload.Create()), client.ToArray());
        Assert.False(exchange.AwaitsAnswer);
    }

    [Fact]
    public async Task A_server_leg_that_ends_mid_answer_fails_the_request_instead_of_leaving_it_waiting()
    {
        var leg = new AsyncLeg();
        var exchange = new ChangeUserExchange(new ScriptedUpstream(leg), "daemon");
        var request = Task.Run(() => exchange.RequestAsync(AppRequest("db1"), default));
        await leg.Written.Reader.ReadAsync().AsTask().WaitAsync(Bound);
        leg.Send(Packet(2, OkPayload.Create())[..3]);
        leg.End();
        var (first, count) = await ReadAsync(leg);
        using var client = new MemoryStream();

        await Assert.ThrowsAnyAsync<IOException>(() => exchange.AnswerAsync(first.AsMemory(0, count), client, default).WaitAsync(Bound));
        await Assert.ThrowsAnyAsync<IOException>(() => request.WaitAsync(Bound));
        Assert.False(exchange.AwaitsAnswer);
        Assert.Equal(0, client.Length);
    }

    [Fact]
    public async Task The_reading_side_ending_releases_a_request_waiting_for_its_answer()
    {
        var leg = new AsyncLeg();
        var exchange = new ChangeUserExchange(new ScriptedUpstream(leg), "daemon");
        var request = Task.Run(() => exchange.RequestAsync(AppRequest("db1"), default));
        await leg.Written.Reader.ReadAsync().AsTask().WaitAsync(Bound);
        Assert.True(exchange.AwaitsAnswer);

        exchange.Close();
        await Assert.ThrowsAnyAsync<IOException>(() => request.WaitAsync(Bound));
    }

    [Fact]
    public async Task No_request_goes_upstream_once_the_reading_side_has_ended()
    {
        var leg = new AsyncLeg();
        var exchange = new ChangeUserExchange(new ScriptedUpstream(leg), "daemon");
        exchange.Close();

        Assert.False(await exchange.RequestAsync(AppRequest("db1"), default).WaitAsync(Bound));
        Assert.False(leg.Written.Reader.TryPeek(out _));
        Assert.False(exchange.AwaitsAnswer);
    }

    [Fact]
    public async Task A_refusal_reaches_the_app_and_the_next_exchange_starts_clean()
    {
        var leg = new AsyncLeg();
        var exchange = new ChangeUserExchange(new ScriptedUpstream(leg), "daemon");

        using var refused = new MemoryStream();
        var first = Task.Run(() => exchange.RequestAsync(AppRequest("db1"), default));
        await leg.Written.Reader.ReadAsync().AsTask().WaitAsync(Bound);
        leg.Send(Packet(1, new ErrorPayload(1044, "42000", "Access denied to database 'db1'").Serialize()));
        var (bytes, count) = await ReadAsync(leg);
        await exchange.AnswerAsync(bytes.AsMemory(0, count), refused, default).WaitAsync(Bound);
        Assert.True(await first.WaitAsync(Bound));
        var error = ErrorPayload.Parse(refused.ToArray().AsSpan(PacketFraming.HeaderLength));
        Assert.Equal(1, refused.ToArray()[3]);
        Assert.Equal(1044, error.ErrorCode);
        Assert.Equal("BranchTasks tunnel: re-authenticating as 'daemon' failed: Access denied to database 'db1'", error.Message);
        Assert.False(exchange.AwaitsAnswer);

        using var accepted = new MemoryStream();
        var second = Task.Run(() => exchange.RequestAsync(AppRequest("db2"), default));
        var sent = await leg.Written.Reader.ReadAsync().AsTask().WaitAsync(Bound);
        Assert.Equal("db2", ChangeUserPayload.Parse(sent.AsSpan(PacketFraming.HeaderLength), Flags).Database);
        leg.Send(Packet(1, OkPayload.Create()));
        (bytes, count) = await ReadAsync(leg);
        await exchange.AnswerAsync(bytes.AsMemory(0, count), accepted, default).WaitAsync(Bound);
        Assert.True(await second.WaitAsync(Bound));
        Assert.Equal(Packet(1, OkPayload.Create()), accepted.ToArray());
    }

    private static ChangeUserPayload AppRequest(string database) =>
        new() { User = "app", AuthResponse = new byte[20], Database = database, CharacterSet = 45, AuthPluginName = "mysql_native_password" };

    /// <summary>What the server-to-app pump's read returns.</summary>
    private static async Task<(byte[] Buffer, int Count)> ReadAsync(AsyncLeg leg)
    {
        var buffer = new byte[1024];
        var count = await leg.ReadAsync(buffer).AsTask().WaitAsync(Bound);
        return (buffer, count);
    }

    private static byte[] Packet(byte sequenceId, byte[] payload)
    {
        var packet = new byte[PacketFraming.HeaderLength + payload.Length];
        PacketFraming.WriteHeader(packet, payload.Length, sequenceId);
        payload.CopyTo(packet.AsSpan(PacketFraming.HeaderLength));
        return packet;
    }

    /// <summary>The upstream leg's protocol side in brief: the request as the daemon's user, and a plugin answer to each auth switch.</summary>
    private sealed class ScriptedUpstream(AsyncLeg leg) : IReauthenticatingUpstream
    {
        public Stream Stream => leg;

        public Task SendChangeUserAsync(ChangeUserPayload app, CancellationToken cancellationToken)
        {
            var payload = new ChangeUserPayload { User = "daemon", AuthResponse = new byte[20], Database = app.Database, CharacterSet = app.CharacterSet, AuthPluginName = app.AuthPluginName };
            return PacketWriter.WritePayloadAsync(leg, 0, payload.Serialize(Flags), cancellationToken).AsTask();
        }

        public async Task<byte[]> CompleteAuthenticationAsync(PacketReader reader, CancellationToken cancellationToken)
        {
            while (true)
            {
                var payload = await reader.ReadPayloadAsync(cancellationToken);
                switch (payload[0])
                {
                    case OkPayload.Header:
                        return payload;
                    case ErrorPayload.Header:
                        throw new MySqlProtocolException(ErrorPayload.Parse(payload));
                    case AuthSwitchRequestPayload.Header:
                        await PacketWriter.WritePayloadAsync(leg, (byte)(reader.LastSequenceId + 1), new byte[20], cancellationToken);
                        break;
                    default:
                        throw new InvalidDataException($"unexpected packet 0x{payload[0]:X2}");
                }
            }
        }
    }
}
