using System.Buffers.Binary;
using System.Text;
using BranchTasks.Core.Tunnel;

namespace BranchTasks.Core.Tests.Tunnel;

public sealed class KillCommandRewriterTests
{
    private static uint? Map(uint local) => local == 1610612737 ? 42u : null;

    private static byte[] Query(string sql) => [KillCommandRewriter.ComQuery, .. Encoding.ASCII.GetBytes(sql)];

    [Theory]
    [InlineData("KILL QUERY 1610612737", "KILL QUERY 42")]
    [InlineData("KILL QUERY 1610612737;", "KILL QUERY 42;")]
    [InlineData("  kill   connection 1610612737 ", "  kill   connection 42 ")]
    [InlineData("KILL 1610612737", "KILL 42")]
    public void A_kill_of_a_tunnel_id_is_readdressed_to_the_upstream_connection(string sql, string expected)
    {
        var rewritten = KillCommandRewriter.Rewrite(Query(sql), Map);
        Assert.NotNull(rewritten);
        Assert.Equal(Query(expected), rewritten);
    }

    [Theory]
    [InlineData("KILL QUERY 12")]                      // an id that is no tunnel id: a real one, left alone
    [InlineData("SELECT 1610612737")]
    [InlineData("KILL QUERY 1610612737 OR 1")]
    [InlineData("KILL QUERY ID 1610612737")]
    [InlineData("KILL QUERY 99999999999")]
    public void Anything_else_passes_untouched(string sql) =>
        Assert.Null(KillCommandRewriter.Rewrite(Query(sql), Map));

    [Fact]
    public void Com_process_kill_is_readdressed_too()
    {
        var payload = new byte[5];
        payload[0] = KillCommandRewriter.ComProcessKill;
        BinaryPrimitives.WriteUInt32LittleEndian(payload.AsSpan(1), 1610612737);
        var rewritten = KillCommandRewriter.Rewrite(payload, Map)!;
        Assert.Equal(42u, BinaryPrimitives.ReadUInt32LittleEndian(rewritten.AsSpan(1)));
    }

    [Fact]
    public void Tunnel_ids_stay_in_their_range()
    {
        for (var i = 0; i < 1000; i++)
        {
            var id = TunnelConnectionIds.Allocate();
            Assert.InRange(id, 0x6000_0000u, (uint)int.MaxValue);
        }
    }
}
