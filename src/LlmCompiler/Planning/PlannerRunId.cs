using System.Security.Cryptography;

namespace LlmCompiler.Planning;

/// <summary>
/// Identifiers of a planner run. <see cref="NewRunId"/> names the artifacts folder: a ULID (48-bit
/// millisecond time + 80 random bits, Crockford base32), so folders sort by start time and never collide.
/// <see cref="ContentId"/> is what provenance records: derived only from the run's inputs and the model's
/// answers, so replaying the same cassettes yields byte-identical work orders.
/// </summary>
public static class PlannerRunId
{
    private const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

    public static string NewRunId(TimeProvider time)
    {
        var ms = (ulong)time.GetUtcNow().ToUnixTimeMilliseconds();
        Span<byte> bytes = stackalloc byte[16];
        for (var i = 0; i < 6; i++) bytes[i] = (byte)(ms >> (8 * (5 - i)));
        RandomNumberGenerator.Fill(bytes[6..]);
        return Encode(bytes);
    }

    /// <summary>26 Crockford base32 characters of SHA-256 over the given parts (length-prefixed, so parts cannot run together).</summary>
    public static string ContentId(IEnumerable<string> parts)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var part in parts)
        {
            var bytes = System.Text.Encoding.UTF8.GetBytes(part);
            hash.AppendData(BitConverter.GetBytes(bytes.Length));
            hash.AppendData(bytes);
        }
        return Encode(hash.GetHashAndReset().AsSpan(0, 16));
    }

    private static string Encode(ReadOnlySpan<byte> sixteenBytes)
    {
        // 128 bits → 26 symbols of 5 bits, most significant first (the first symbol carries 3 bits).
        var value = new System.Numerics.BigInteger(sixteenBytes, isUnsigned: true, isBigEndian: true);
        var chars = new char[26];
        for (var i = 25; i >= 0; i--)
        {
            chars[i] = Alphabet[(int)(value & 31)];
            value >>= 5;
        }
        return new string(chars);
    }
}
