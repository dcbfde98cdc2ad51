using System.Text.RegularExpressions;

namespace LlmCompiler.Factory.TestsFirst;

/// <summary>One frozen test file: its path, its git blob id (of the bytes as git stores them, so a checkout's
/// line-ending conversion does not change it) and the SHA-256 of those bytes.</summary>
public sealed record FrozenFile(string Path, string BlobId, string Sha256, byte[] Content);

/// <summary>Why the tests were judged red: a failing test of a frozen file, or only missing symbols in them.</summary>
public sealed record RedEvidence(string Classification, IReadOnlyList<string> FailingTests, IReadOnlyList<string> CompilerErrors);

/// <summary>The tests a work order's test author wrote, proven red and frozen, with the model that wrote them.</summary>
public sealed partial record FrozenTestSet(IReadOnlyList<FrozenFile> Files, RedEvidence Red, string AuthorModel)
{
    public bool Contains(string path) => Files.Any(f => string.Equals(f.Path, path, StringComparison.OrdinalIgnoreCase));

    /// <summary>The classes the frozen files declare (namespace-qualified when they say so): a test result of one of these is a frozen test.</summary>
    public IReadOnlySet<string> Classes => _classes ??= DeclaredClasses(Files);

    private IReadOnlySet<string>? _classes;

    public bool IsFrozenTest(TestOutcome outcome) =>
        Classes.Contains(outcome.ClassName) || Classes.Contains(outcome.ClassName.Split('.')[^1]) && !outcome.ClassName.Contains('.', StringComparison.Ordinal);

    [GeneratedRegex(@"^\s*namespace\s+([\w.]+)", RegexOptions.Multiline)]
    private static partial Regex Namespace();

    [GeneratedRegex(@"\b(?:class|record)\s+(\w+)")]
    private static partial Regex Class();

    // Enough for test files (one namespace, test classes, perhaps nested helpers): a declared class is reported both
    // namespace-qualified and bare, so results of either spelling match. Hand-written: a C# parser is not in the engine.
    private static HashSet<string> DeclaredClasses(IReadOnlyList<FrozenFile> files)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            var text = System.Text.Encoding.UTF8.GetString(file.Content);
            var ns = Namespace().Match(text) is { Success: true } m ? m.Groups[1].Value : null;
            foreach (Match c in Class().Matches(text))
            {
                names.Add(ns is null ? c.Groups[1].Value : $"{ns}.{c.Groups[1].Value}");
                names.Add(c.Groups[1].Value);
            }
        }
        return names;
    }
}
