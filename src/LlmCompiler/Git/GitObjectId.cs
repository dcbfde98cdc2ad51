using System.Security.Cryptography;
using System.Text;

namespace LlmCompiler.Git;

/// <summary>Object ids computed the way git computes them, so the harness can prove a stored blob holds exactly its bytes.</summary>
public static class GitObjectId
{
    /// <summary>The id of a blob with <paramref name="content"/>: hash of <c>"blob &lt;size&gt;\0"</c> + content, SHA-1 or SHA-256.</summary>
    public static string Blob(ReadOnlySpan<byte> content, string objectFormat = "sha1")
    {
        var header = Encoding.ASCII.GetBytes($"blob {content.Length}\0");
        using var hash = IncrementalHash.CreateHash(objectFormat == "sha256" ? HashAlgorithmName.SHA256 : HashAlgorithmName.SHA1);
        hash.AppendData(header);
        hash.AppendData(content);
        return Convert.ToHexString(hash.GetHashAndReset()).ToLowerInvariant();
    }
}
