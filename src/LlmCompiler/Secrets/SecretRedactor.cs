using System.Text.RegularExpressions;

namespace LlmCompiler.Secrets;

/// <summary>
/// The one redactor for text that leaves the process: prompts, failure briefs, artifacts, command output,
/// diagnostics, ledger lines. Exact secret values go first (an exact match beats any pattern), then the shapes
/// credentials commonly have (<c>sk-…</c>, GitHub and Slack tokens, AWS access key ids, PEM private keys,
/// <c>Bearer …</c>). Values shorter than <see cref="MinimumSecretLength"/> are not treated as secrets: masking
/// every "1" or "true" would wreck the output and protect nothing.
/// </summary>
public sealed partial class SecretRedactor
{
    public const string Mask = "[REDACTED]";
    public const int MinimumSecretLength = 8;

    /// <summary>Knows no values; masks the shapes only.</summary>
    public static readonly SecretRedactor ShapesOnly = new([]);

    private readonly string[] _exact;

    public SecretRedactor(IEnumerable<string?> exactValues)
    {
        // Longest first, so a secret that contains another is masked whole.
        _exact = [.. exactValues.OfType<string>().Where(v => v.Length >= MinimumSecretLength).Distinct(StringComparer.Ordinal).OrderByDescending(v => v.Length)];
    }

    /// <summary>The exact values this redactor masks (never log these).</summary>
    internal IReadOnlyList<string> ExactValues => _exact;

    /// <summary>
    /// A redactor for the current process: the values of <paramref name="keyVariables"/> (the configured API key)
    /// plus the value of every variable whose name looks like it holds a secret.
    /// </summary>
    public static SecretRedactor FromEnvironment(IEnumerable<string?> keyVariables, System.Collections.IDictionary? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariables();
        var values = new List<string?>();
        foreach (var name in keyVariables.OfType<string>()) values.Add(environment[name] as string);
        foreach (System.Collections.DictionaryEntry entry in environment)
        {
            if (entry.Key is string name && IsSecretName(name)) values.Add(entry.Value as string);
        }
        return new SecretRedactor(values);
    }

    public SecretRedactor With(IEnumerable<string?> more) => new(_exact.Concat(more));

    /// <summary>Masks the exact values only: for text that legitimately contains key-shaped strings (repository files
    /// shown to the model, which it may have to reproduce byte for byte).</summary>
    public string RedactExact(string? text)
    {
        if (string.IsNullOrEmpty(text)) return text ?? "";
        foreach (var secret in _exact)
        {
            if (text.Contains(secret, StringComparison.Ordinal)) text = text.Replace(secret, Mask, StringComparison.Ordinal);
        }
        return text;
    }

    /// <summary>Masks the exact values, then every credential shape.</summary>
    public string Redact(string? text)
    {
        if (string.IsNullOrEmpty(text)) return text ?? "";
        text = RedactExact(text);
        try
        {
            text = PrivateKeyBlock().Replace(text, Mask);
            text = KeyShapes().Replace(text, Mask);
            return BearerToken().Replace(text, "Bearer " + Mask);
        }
        catch (RegexMatchTimeoutException)
        {
            // Pathological input: dropping it is safer than letting it through unredacted.
            return Mask;
        }
    }

    /// <summary>True when <paramref name="text"/> contains one of the exact secret values.</summary>
    public bool ContainsExactSecret(string? text) =>
        !string.IsNullOrEmpty(text) && _exact.Any(secret => text.Contains(secret, StringComparison.Ordinal));

    /// <summary>
    /// Names that conventionally hold credentials: any '_'-separated part is KEY, TOKEN, SECRET, PASSWORD, PAT, …,
    /// or the name ends with one of them (<c>NUGETAPIKEY</c>, <c>ACCESSTOKEN</c>).
    /// </summary>
    public static bool IsSecretName(string name)
    {
        var upper = name.ToUpperInvariant();
        if (upper is "PWD" or "OLDPWD") return false;
        foreach (var part in upper.Split(['_', '-', '.'], StringSplitOptions.RemoveEmptyEntries))
        {
            if (SecretNameParts.Contains(part)) return true;
        }
        return SecretNameSuffixes.Any(s => upper.EndsWith(s, StringComparison.Ordinal));
    }

    private static readonly HashSet<string> SecretNameParts = new(StringComparer.Ordinal)
    {
        "KEY", "APIKEY", "SECRET", "SECRETS", "TOKEN", "TOKENS", "PASSWORD", "PASSWD", "PASSPHRASE", "PWD",
        "CREDENTIAL", "CREDENTIALS", "CREDS", "PAT", "SAS", "AUTH", "COOKIE", "PRIVATE", "SIGNATURE", "CONNECTIONSTRING",
    };

    private static readonly string[] SecretNameSuffixes = ["KEY", "TOKEN", "SECRET", "PASSWORD", "CREDENTIALS"];

    [GeneratedRegex(@"-----BEGIN [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----(?:.|\n|\r)*?(?:-----END [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----|\z)", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 2000)]
    private static partial Regex PrivateKeyBlock();

    [GeneratedRegex(
        @"\bsk-[A-Za-z0-9_\-]{8,}|\bgh[pousr]_[A-Za-z0-9]{16,}|\bgithub_pat_[A-Za-z0-9_]{16,}|\b(?:AKIA|ASIA)[0-9A-Z]{16}\b|\bxox[abposr]-[A-Za-z0-9\-]{8,}|\bglpat-[A-Za-z0-9_\-]{16,}|\bAIza[0-9A-Za-z_\-]{30,}",
        RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 2000)]
    private static partial Regex KeyShapes();

    [GeneratedRegex(@"\bBearer\s+[A-Za-z0-9._~+/=\-]{8,}", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase, matchTimeoutMilliseconds: 2000)]
    private static partial Regex BearerToken();
}
