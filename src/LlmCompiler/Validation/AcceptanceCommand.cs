using System.Text.RegularExpressions;
using LlmCompiler.Contracts;

namespace LlmCompiler.Validation;

/// <summary>What the validators need to know about one acceptance command, computed once.</summary>
internal sealed partial class AcceptanceCommand
{
    private static readonly HashSet<string> PythonFlagsWithoutValue = new(StringComparer.Ordinal)
    {
        "-I", "-u", "-B", "-E", "-s", "-S", "-O", "-OO", "-q", "-b", "-bb", "-d", "-v", "-x", "-i",
    };

    private static readonly string[] FileExtensions =
    [
        ".sh", ".bash", ".py", ".ps1", ".csproj", ".fsproj", ".vbproj", ".proj", ".sln", ".slnx", ".js", ".mjs",
        ".ts", ".rb", ".pl", ".cs", ".fs", ".dll", ".json", ".toml", ".yaml", ".yml", ".txt", ".md", ".props", ".targets",
    ];

    public AcceptanceCommand(string text) : this(text, null)
    {
    }

    private AcceptanceCommand(string text, TokenPool? tokens)
    {
        Text = text;
        Tokens = CommandLine.Tokenize(text, tokens);
        PythonCode = Tokens.IsParsed && Tokens.ShellOperators.Count == 0 ? FindPythonCode(Tokens.Argv) : null;
    }

    public string Text { get; }

    /// <summary>
    /// The commands of every work order, each text analysed once: plans repeat their commands (<c>dotnet build</c> of the
    /// same project in every work order), and an analysis is immutable, so equal texts share one.
    /// </summary>
    public static IReadOnlyList<AcceptanceCommand[]> OfPlan(IReadOnlyList<BoundWorkOrder> workOrders)
    {
        var total = 0;
        for (var w = 0; w < workOrders.Count; w++) total += workOrders[w].Value.AcceptanceCommands.Count;
        var analysed = new Dictionary<string, AcceptanceCommand>(total, StringComparer.Ordinal);
        // A command has a handful of tokens, most of them repeated from other commands.
        var tokens = new TokenPool(total * 2);
        var result = new AcceptanceCommand[workOrders.Count][];
        for (var w = 0; w < workOrders.Count; w++)
        {
            var texts = workOrders[w].Value.AcceptanceCommands;
            var commands = new AcceptanceCommand[texts.Count];
            for (var c = 0; c < texts.Count; c++)
            {
                if (!analysed.TryGetValue(texts[c], out var command)) analysed[texts[c]] = command = new AcceptanceCommand(texts[c], tokens);
                commands[c] = command;
            }
            result[w] = commands;
        }
        return result;
    }

    public CommandTokens Tokens { get; }

    /// <summary>The code of a <c>python -c CODE</c> / <c>python3 -c CODE</c> command, else null.</summary>
    public string? PythonCode { get; }

    /// <summary>argv with path-like arguments normalised, for comparing two commands (E105).</summary>
    public IReadOnlyList<string> NormalizedArgv()
    {
        var argv = Tokens.Argv;
        var normalized = new string[argv.Count];
        for (var i = 0; i < normalized.Length; i++) normalized[i] = i == 0 ? argv[i] : NormalizeLexically(argv[i]);
        return normalized;
    }

    /// <summary>Whether <see cref="NormalizedArgv"/> equals <paramref name="other"/> (normalising only when the count and program agree).</summary>
    public bool HasNormalizedArgv(IReadOnlyList<string> other)
    {
        var argv = Tokens.Argv;
        if (argv.Count != other.Count || argv.Count == 0 || !string.Equals(argv[0], other[0], StringComparison.Ordinal)) return false;
        for (var i = 1; i < argv.Count; i++)
        {
            if (!string.Equals(NormalizeLexically(argv[i]), other[i], StringComparison.Ordinal)) return false;
        }
        return true;
    }

    /// <summary>Top-level-importable module names a <c>python -c</c> snippet imports (absolute imports only).</summary>
    public IEnumerable<string> ImportedModules()
    {
        if (PythonCode is null) yield break;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var statement in PythonCode.Split(['\n', ';']))
        {
            var line = statement.Trim();
            var from = FromImport().Match(line);
            if (from.Success)
            {
                if (seen.Add(from.Groups[1].Value)) yield return from.Groups[1].Value;
                continue;
            }
            var import = PlainImport().Match(line);
            if (!import.Success) continue;
            foreach (var part in import.Groups[1].Value.Split(','))
            {
                var name = part.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
                if (name is not null && ModuleName().IsMatch(name) && seen.Add(name)) yield return name;
            }
        }
    }

    /// <summary>Arguments that look like repository-relative files or folders (<c>tests/A/A.csproj</c>, <c>x.sh</c>).</summary>
    public IReadOnlyList<(string Path, bool IsDirectoryLike)> FileArguments() => _fileArguments ??= [.. FindFileArguments()];

    private IReadOnlyList<(string Path, bool IsDirectoryLike)>? _fileArguments;

    private IEnumerable<(string Path, bool IsDirectoryLike)> FindFileArguments()
    {
        if (!Tokens.IsParsed || Tokens.ShellOperators.Count > 0) yield break;
        var argv = Tokens.Argv;
        for (var i = 1; i < argv.Count; i++)
        {
            var token = argv[i];
            if (PythonCode is not null && ReferenceEquals(token, PythonCode)) continue;
            if (i > 0 && argv[i - 1] == "-c") continue;
            if (token.StartsWith('-'))
            {
                var eq = token.IndexOf('=');
                if (eq < 0) continue;
                token = token[(eq + 1)..];
            }
            var hasSlash = token.Contains('/');
            var hasKnownExtension = HasKnownExtension(token);
            if (!hasSlash && !hasKnownExtension) continue;
            if (!RepoPath.TryNormalize(token, out var normalized, out _)) continue;
            yield return (normalized, !hasKnownExtension);
        }
    }

    private static bool HasKnownExtension(string token)
    {
        var extension = Path.GetExtension(token.AsSpan());
        if (extension.Length < 2) return false;
        foreach (var known in FileExtensions)
        {
            if (extension.Equals(known, StringComparison.OrdinalIgnoreCase)) return true;
        }
        return false;
    }

    private static string? FindPythonCode(IReadOnlyList<string> argv)
    {
        if (argv.Count < 3) return null;
        var exe = argv[0];
        var name = exe[(exe.LastIndexOf('/') + 1)..];
        if (!PythonExecutable().IsMatch(name)) return null;
        for (var i = 1; i < argv.Count - 1; i++)
        {
            if (argv[i] == "-c") return argv[i + 1];
            if (!PythonFlagsWithoutValue.Contains(argv[i])) return null;
        }
        return null;
    }

    /// <summary>POSIX normpath on a token that is a relative path; other tokens are returned unchanged.</summary>
    private static string NormalizeLexically(string token)
    {
        if (token.Length == 0 || token.StartsWith('-') || token.StartsWith('/') || !token.Contains('/') && !token.StartsWith('.')) return token;
        var parts = new List<string>();
        foreach (var part in token.Split('/'))
        {
            if (part is "" or ".") continue;
            if (part == ".." && parts.Count > 0 && parts[^1] != "..") parts.RemoveAt(parts.Count - 1);
            else parts.Add(part);
        }
        return parts.Count == 0 ? "." : string.Join('/', parts);
    }

    [GeneratedRegex(@"^python(3(\.\d+)?)?(\.exe)?$")]
    private static partial Regex PythonExecutable();

    [GeneratedRegex(@"^from\s+([A-Za-z_][\w]*(?:\.[A-Za-z_][\w]*)*)\s+import\b")]
    private static partial Regex FromImport();

    [GeneratedRegex(@"^import\s+(.+)$")]
    private static partial Regex PlainImport();

    [GeneratedRegex(@"^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*$")]
    private static partial Regex ModuleName();
}
