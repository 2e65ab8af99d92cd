using System.Globalization;
using System.Numerics;
using System.Security.Cryptography;

namespace BranchTasks.Core.Tunnel.Protocol.Auth;

/// <summary>
/// Ed25519 signing (RFC 8032) on twisted Edwards coordinates with <see cref="BigInteger"/> arithmetic. Only signing is
/// needed (the tunnel is the client); it is not constant-time, which is acceptable for a secret that never leaves this
/// machine's memory and a signature computed once per login.
/// </summary>
internal static class Ed25519
{
    private static readonly BigInteger P = BigInteger.Pow(2, 255) - 19;
    private static readonly BigInteger L = BigInteger.Pow(2, 252) + BigInteger.Parse("27742317777372353535851937790883648493", CultureInfo.InvariantCulture);
    private static readonly BigInteger D = Mod(-121665 * Inverse(121666));
    private static readonly BigInteger D2 = Mod(2 * D);
    private static readonly Point BasePoint = CreateBasePoint();

    /// <summary>Signs <paramref name="message"/> with the key derived from <paramref name="seed"/>.</summary>
    public static byte[] Sign(ReadOnlySpan<byte> seed, ReadOnlySpan<byte> message)
    {
        var h = SHA512.HashData(seed);
        h[0] &= 248;
        h[31] &= 63;
        h[31] |= 64;
        var a = FromLittleEndian(h.AsSpan(0, 32));
        var publicKey = Encode(Multiply(BasePoint, a));

        var r = Mod(FromLittleEndian(SHA512.HashData([.. h.AsSpan(32, 32), .. message])), L);
        var encodedR = Encode(Multiply(BasePoint, r));
        var k = Mod(FromLittleEndian(SHA512.HashData([.. encodedR, .. publicKey, .. message])), L);
        var s = Mod(r + k * a, L);

        var signature = new byte[64];
        encodedR.CopyTo(signature, 0);
        ToLittleEndian(s).CopyTo(signature, 32);
        return signature;
    }

    /// <summary>The public key (encoded point) for <paramref name="seed"/>.</summary>
    public static byte[] PublicKey(ReadOnlySpan<byte> seed)
    {
        var h = SHA512.HashData(seed);
        h[0] &= 248;
        h[31] &= 63;
        h[31] |= 64;
        return Encode(Multiply(BasePoint, FromLittleEndian(h.AsSpan(0, 32))));
    }

    private readonly record struct Point(BigInteger X, BigInteger Y, BigInteger Z, BigInteger T);

    private static Point Add(Point p, Point q)
    {
        var a = Mod((p.Y - p.X) * (q.Y - q.X));
        var b = Mod((p.Y + p.X) * (q.Y + q.X));
        var c = Mod(p.T * D2 * q.T);
        var d = Mod(2 * p.Z * q.Z);
        var e = b - a;
        var f = d - c;
        var g = d + c;
        var h = b + a;
        return new Point(Mod(e * f), Mod(g * h), Mod(f * g), Mod(e * h));
    }

    private static Point Multiply(Point point, BigInteger scalar)
    {
        var result = new Point(0, 1, 1, 0);
        var addend = point;
        while (scalar > 0)
        {
            if (!scalar.IsEven)
            {
                result = Add(result, addend);
            }

            addend = Add(addend, addend);
            scalar >>= 1;
        }

        return result;
    }

    private static byte[] Encode(Point point)
    {
        var zInverse = Inverse(point.Z);
        var x = Mod(point.X * zInverse);
        var y = Mod(point.Y * zInverse);
        var bytes = ToLittleEndian(y);
        if (!x.IsEven)
        {
            bytes[31] |= 0x80;
        }

        return bytes;
    }

    private static Point CreateBasePoint()
    {
        var y = Mod(4 * Inverse(5));
        var x = RecoverX(y);
        return new Point(x, y, 1, Mod(x * y));
    }

    private static BigInteger RecoverX(BigInteger y)
    {
        var y2 = y * y;
        var x2 = Mod((y2 - 1) * Inverse(D * y2 + 1));
        var x = BigInteger.ModPow(x2, (P + 3) / 8, P);
        if (Mod(x * x - x2) != 0)
        {
            x = Mod(x * BigInteger.ModPow(2, (P - 1) / 4, P));
        }

        return x.IsEven ? x : P - x;
    }

    private static BigInteger Mod(BigInteger value) => Mod(value, P);

    private static BigInteger Mod(BigInteger value, BigInteger modulus)
    {
        var result = value % modulus;
        return result.Sign < 0 ? result + modulus : result;
    }

    private static BigInteger Inverse(BigInteger value) => BigInteger.ModPow(Mod(value), P - 2, P);

    private static BigInteger FromLittleEndian(ReadOnlySpan<byte> bytes) => new(bytes, isUnsigned: true, isBigEndian: false);

    private static byte[] ToLittleEndian(BigInteger value)
    {
        var bytes = new byte[32];
        value.TryWriteBytes(bytes, out _, isUnsigned: true, isBigEndian: false);
        return bytes;
    }
}
