using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace BranchTasks.Core.Tests.Tunnel;

/// <summary>
/// A server that pretends to be MySQL 8 with caching_sha2_password and no TLS, and always demands full
/// authentication: after the client's handshake response it answers AuthMoreData 0x04, and to a public-key
/// request (0x02) it sends its own RSA key, as a man in the middle would. It speaks the protocol from raw
/// bytes (not the product's parser) and records every packet the client sends after its handshake response (and, once logged in, its commands).
/// </summary>
internal sealed class FakeCachingSha2Server : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly RSA _key = RSA.Create(2048);
    private int _ended;

    public FakeCachingSha2Server()
    {
        _listener.Start();
        _ = AcceptLoopAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>The 20-byte scramble of the greeting (the same for every connection).</summary>
    public byte[] Scramble { get; } = RandomNumberGenerator.GetBytes(20).Select(b => (byte)(b % 94 + 33)).ToArray();

    /// <summary>Client handshake responses (the first packet of each connection).</summary>
    public ConcurrentQueue<byte[]> HandshakeResponses { get; } = new();

    /// <summary>Every packet a client sent after its handshake response, in order.</summary>
    public ConcurrentQueue<byte[]> AuthPackets { get; } = new();

    public int ConnectionsEnded => Volatile.Read(ref _ended);

    /// <summary>Undoes the client's RSA encryption with the private key only this fake holds: (password + NUL) XOR scramble.</summary>
    public string DecryptPassword(byte[] encrypted)
    {
        var clear = _key.Decrypt(encrypted, RSAEncryptionPadding.OaepSHA1);
        for (var i = 0; i < clear.Length; i++)
        {
            clear[i] ^= Scramble[i % Scramble.Length];
        }

        return Encoding.UTF8.GetString(clear).TrimEnd('\0');
    }

    private async Task AcceptLoopAsync()
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token).ConfigureAwait(false);
                _ = ServeAsync(client);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        try
        {
            using (client)
            {
                var stream = client.GetStream();
                await WriteAsync(stream, 0, Greeting());
                var (_, response) = await ReadAsync(stream);
                HandshakeResponses.Enqueue(response);
                await WriteAsync(stream, 2, [0x01, 0x04]);
                var (sequence, packet) = await ReadAsync(stream);
                AuthPackets.Enqueue(packet);
                if (packet is [0x02])
                {
                    await WriteAsync(stream, (byte)(sequence + 1), [0x01, .. Encoding.ASCII.GetBytes(_key.ExportSubjectPublicKeyInfoPem())]);
                    (sequence, packet) = await ReadAsync(stream);
                    AuthPackets.Enqueue(packet);
                    await WriteAsync(stream, (byte)(sequence + 1), Ok);
                    while (true)
                    {
                        // Logged in: every command (the client's SET NAMES, COM_PING) gets an OK, COM_QUIT ends it.
                        var (_, command) = await ReadAsync(stream);
                        AuthPackets.Enqueue(command);
                        if (command is [0x01])
                        {
                            return;
                        }

                        await WriteAsync(stream, 1, Ok);
                    }
                }

                await WriteAsync(stream, (byte)(sequence + 1), [0xFF, .. BitConverter.GetBytes((ushort)1045), .. "#28000"u8, .. "fake: access denied"u8]);
                while (true)
                {
                    AuthPackets.Enqueue((await ReadAsync(stream)).Payload);
                }
            }
        }
        catch (Exception e) when (e is IOException or EndOfStreamException or ObjectDisposedException or OperationCanceledException or SocketException)
        {
            // The client went away.
        }
        finally
        {
            Interlocked.Increment(ref _ended);
        }
    }

    private static byte[] Ok => [0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00];

    private byte[] Greeting()
    {
        const uint capabilities = 0x1 | 0x8 | 0x200 | 0x2000 | 0x8000 | 0x80000 | 0x100000 | 0x200000;
        var greeting = new List<byte> { 10 };
        greeting.AddRange("8.0.36-fake\0"u8.ToArray());
        greeting.AddRange(BitConverter.GetBytes(7u));
        greeting.AddRange(Scramble[..8]);
        greeting.Add(0);
        greeting.AddRange(BitConverter.GetBytes((ushort)(capabilities & 0xFFFF)));
        greeting.Add(255);
        greeting.AddRange(BitConverter.GetBytes((ushort)2));
        greeting.AddRange(BitConverter.GetBytes((ushort)(capabilities >> 16)));
        greeting.Add(21);
        greeting.AddRange(new byte[10]);
        greeting.AddRange(Scramble[8..]);
        greeting.Add(0);
        greeting.AddRange("caching_sha2_password\0"u8.ToArray());
        return [.. greeting];
    }

    private static async Task WriteAsync(NetworkStream stream, byte sequence, byte[] payload)
    {
        var header = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(header, payload.Length);
        header[3] = sequence;
        await stream.WriteAsync(header);
        await stream.WriteAsync(payload);
    }

    private async Task<(byte Sequence, byte[] Payload)> ReadAsync(NetworkStream stream)
    {
        var header = new byte[4];
        await stream.ReadExactlyAsync(header, _stop.Token);
        var length = header[0] | (header[1] << 8) | (header[2] << 16);
        var payload = new byte[length];
        await stream.ReadExactlyAsync(payload, _stop.Token);
        return (header[3], payload);
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        _key.Dispose();
        _stop.Dispose();
    }
}
