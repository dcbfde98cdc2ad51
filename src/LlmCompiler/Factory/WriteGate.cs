using System.Globalization;
using System.Text;
using LlmCompiler.Contracts;
using LlmCompiler.Diagnostics;
using LlmCompiler.IO;

namespace LlmCompiler.Factory;

/// <summary>Why the gate refused a proposal: the failure stage, its diagnostic code and a one-line reason.</summary>
public sealed record GateFailure(FailureStage Stage, string Code, string Message)
{
    /// <summary>The positioned diagnostic behind the refusal (an E214 or E303 in the saved answer), when there is one.</summary>
    public Diagnostics.Diagnostic? Cause { get; init; }
}

/// <summary>One file as the gate wrote it: the exact bytes, which are all the landed commit is built from.</summary>
public sealed record GatedFile(string Path, byte[] Bytes);

/// <summary>The gate's verdict: the sorted touched paths, the bytes written and, when refused, why.</summary>
public sealed record WriteGateResult(IReadOnlyList<string> TouchedFiles, GateFailure? Failure)
{
    public bool Ok => Failure is null;

    /// <summary>What was written, in proposal order (empty unless applied).</summary>
    public IReadOnlyList<GatedFile> Written { get; init; } = [];
}

/// <summary>
/// What the gate knows about the repository beyond the work order's scope: folders no proposal may write (the plan
/// and its recordings), the proposal paths git ignores, the submodules of the baseline, and the secrets no content
/// may contain.
/// </summary>
public sealed record WriteGatePolicy(IEnumerable<string> AllowedFiles)
{
    /// <summary>Repository-relative folders with the reason they are off limits.</summary>
    public IReadOnlyList<(string Directory, string Reason)> ProtectedDirectories { get; init; } = [];

    /// <summary>Proposal paths that git ignores at the baseline (they would never be committed).</summary>
    public IReadOnlySet<string> IgnoredPaths { get; init; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>Submodule paths (gitlinks) of the baseline.</summary>
    public IReadOnlySet<string> SubmodulePaths { get; init; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>Exact secret values no written content may contain.</summary>
    public Secrets.SecretRedactor? Secrets { get; init; }
}

/// <summary>
/// Decides whether a write proposal may touch a checkout, and applies it. The proposal is judged as a whole
/// before a single byte is written: path shape, duplicates (exact and case-variant), scope, protected paths,
/// content limits, then the filesystem component by component without following symlinks (symlinks,
/// directories, nested repositories, case-variant aliases, containment on the resolved path), then every base
/// hash. Only then are the files written, each atomically with its mode preserved.
/// </summary>
public static class WriteGate
{
    /// <summary>Portable limits beyond the path rule (reliability-and-security.md §2).</summary>
    public const int MaxPathChars = 240;
    public const int MaxDepth = 32;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    // Files git itself interprets (filters, diff drivers, submodule URLs) and our own state directory.
    private static readonly HashSet<string> ProtectedFileNames = new(StringComparer.OrdinalIgnoreCase) { ".gitmodules", ".gitattributes" };
    public const string HarnessDirectory = ".llmc";

    /// <summary>Longest list of paths a refusal message spells out; the rest are counted.</summary>
    public const int MaxPathsInMessage = 20;

    public static WriteGateResult Check(WriteProposal proposal, IEnumerable<string> allowedFiles, string root) =>
        Check(proposal, new WriteGatePolicy(allowedFiles), root);

    public static WriteGateResult Check(WriteProposal proposal, WriteGatePolicy policy, string root)
    {
        var touched = proposal.Writes.Select(w => w.Path).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var failure = CheckShape(proposal, policy) ?? CheckFileSystem(proposal, root) ?? CheckBaseHashes(proposal, root);
        return new WriteGateResult(touched, failure);
    }

    public static WriteGateResult Apply(WriteProposal proposal, IEnumerable<string> allowedFiles, string root) =>
        Apply(proposal, new WriteGatePolicy(allowedFiles), root);

    /// <summary>Checks, then writes every file; a refusal or an I/O error is reported, never thrown.</summary>
    public static WriteGateResult Apply(WriteProposal proposal, WriteGatePolicy policy, string root)
    {
        var result = Check(proposal, policy, root);
        if (!result.Ok) return result;
        var written = new List<GatedFile>();
        foreach (var write in proposal.Writes)
        {
            var target = Path.Combine(root, write.Path);
            var bytes = StrictUtf8.GetBytes(write.Content);
            try
            {
                CreateDirectoriesBelow(root, write.Path);
                AtomicFile.WriteAllBytes(target, bytes);
                // Re-checked after the write: a link planted between the check and the rename is caught here.
                if (CheckFileSystem(new WriteProposal { Writes = [write] }, root) is { } raced) return result with { Failure = raced };
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return result with { Failure = new GateFailure(FailureStage.WriteFailed, DiagnosticCodes.WriteFailed, $"Writing {write.Path} failed: {ex.Message}") };
            }
            written.Add(new GatedFile(write.Path, bytes));
        }
        return result with { Written = written };
    }

    /// <summary>
    /// Creates the missing parent folders of <paramref name="path"/> one at a time, checking each existing component
    /// is a real directory first: creating a whole chain by name would follow a link planted after the check.
    /// </summary>
    private static void CreateDirectoriesBelow(string root, string path)
    {
        var current = root;
        var segments = path.Split('/');
        for (var i = 0; i < segments.Length - 1; i++)
        {
            current = Path.Combine(current, segments[i]);
            var kind = FileKinds.Of(current);
            if (kind == FileKind.Missing) Directory.CreateDirectory(current);
            else if (kind != FileKind.Directory) throw new IOException($"'{string.Join('/', segments[..(i + 1)])}' {FileKinds.Describe(kind)}");
            if (FileKinds.Of(current) != FileKind.Directory) throw new IOException($"'{string.Join('/', segments[..(i + 1)])}' changed while it was created");
        }
    }

    private static string List(IReadOnlyCollection<string> paths) =>
        paths.Count <= MaxPathsInMessage
            ? string.Join(", ", paths)
            : string.Join(", ", paths.Take(MaxPathsInMessage)) + $", … ({paths.Count - MaxPathsInMessage} more)";

    private static GateFailure? CheckShape(WriteProposal proposal, WriteGatePolicy policy)
    {
        if (proposal.Writes.Count == 0) return Invalid("the proposal has no writes");

        foreach (var write in proposal.Writes)
        {
            if (PathProblem(write.Path) is { } problem) return Escape($"Invalid write path '{Printable(write.Path)}': {problem}");
        }

        var duplicates = proposal.Writes.GroupBy(w => w.Path, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        if (duplicates.Count > 0) return Scope($"Duplicate write paths in proposal: [{List(duplicates)}]");
        var caseVariants = proposal.Writes.GroupBy(w => w.Path, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1).Select(g => string.Join(" / ", g.Select(w => w.Path))).ToList();
        if (caseVariants.Count > 0) return Scope($"Write paths differ only in case (they alias on Windows and macOS): [{List(caseVariants)}]");

        var allowed = new HashSet<string>(policy.AllowedFiles.Select(a => RepoPath.NormalizeOrNull(a) ?? a), StringComparer.Ordinal);
        var outside = proposal.Writes.Select(w => w.Path).Where(p => !allowed.Contains(p)).Order(StringComparer.Ordinal).ToList();
        if (outside.Count > 0) return Scope($"Files outside allowed scope: [{List(outside)}]");

        foreach (var write in proposal.Writes)
        {
            if (ProtectedReason(write.Path) is { } reason) return Scope($"Protected path {write.Path}: {reason}");
            foreach (var (directory, why) in policy.ProtectedDirectories)
            {
                if (write.Path == directory || write.Path.StartsWith(directory + "/", StringComparison.OrdinalIgnoreCase))
                {
                    return Scope($"Protected path {write.Path}: {why}");
                }
            }
            if (policy.SubmodulePaths.FirstOrDefault(s => write.Path == s || write.Path.StartsWith(s + "/", StringComparison.Ordinal)) is { } submodule)
            {
                return Scope($"Protected path {write.Path}: '{submodule}' is a submodule; its files belong to another repository");
            }
        }
        var ignored = proposal.Writes.Select(w => w.Path).Where(policy.IgnoredPaths.Contains).Order(StringComparer.Ordinal).ToList();
        if (ignored.Count > 0) return Scope($"Ignored by git (.gitignore), so they could never be committed: [{List(ignored)}]");

        long total = 0;
        foreach (var write in proposal.Writes)
        {
            int bytes;
            try { bytes = StrictUtf8.GetByteCount(write.Content); }
            catch (EncoderFallbackException) { return Invalid($"Content of {write.Path} is not valid Unicode (a lone surrogate)"); }
            if (write.Content.Contains('\0')) return Invalid($"Content of {write.Path} contains a NUL character; binary files cannot be written");
            if (bytes > WriteProposal.MaxFileBytes) return Invalid($"Content of {write.Path} is {bytes:N0} bytes; the limit per file is {WriteProposal.MaxFileBytes:N0}");
            total += bytes;
        }
        if (total > WriteProposal.MaxTotalBytes) return Invalid($"total write content exceeds {WriteProposal.MaxTotalBytes:N0} bytes ({total:N0})");
        if (policy.Secrets is { } secrets && proposal.Writes.FirstOrDefault(w => secrets.ContainsExactSecret(w.Content) || secrets.ContainsExactSecret(w.Path)) is { } leaking)
        {
            // The key must never reach a file that is committed; the model may have echoed it from its prompt or output.
            return Invalid($"Content of {leaking.Path} contains the API key or another secret from the environment; it was not written");
        }
        if (proposal.Writes.Any(w => !IsSha256(w.BaseSha256))) return Invalid("every base_sha256 must be 64 lower-case hexadecimal digits");
        return null;
    }

    /// <summary>The path rule, plus the aliases that only bite on other filesystems (NTFS 8.3, HFS+ ignorables).</summary>
    internal static string? PathProblem(string path)
    {
        if (RepoPath.Validate(path) is { } ruleError) return ruleError;
        if (RepoPath.NormalizeOrNull(path) != path) return "path is not in normal form (no './', '//' or trailing '/')";
        if (path.Length > MaxPathChars) return $"path is longer than {MaxPathChars} characters";
        var segments = path.Split('/');
        if (segments.Length > MaxDepth) return $"path is deeper than {MaxDepth} segments";
        foreach (var ch in path)
        {
            var category = CharUnicodeInfo.GetUnicodeCategory(ch);
            if (category is UnicodeCategory.Format or UnicodeCategory.Control or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator)
            {
                return $"path contains an invisible, control or unassigned character (U+{(int)ch:X4})";
            }
        }
        if (!path.IsNormalized(NormalizationForm.FormC)) return "path is not Unicode NFC";
        foreach (var segment in segments)
        {
            if (FoldsToDotGit(segment)) return $"segment '{segment}' aliases '.git'";
            if (IsShortNameAlias(segment)) return $"segment '{segment}' looks like an 8.3 short name, which can alias another name on Windows";
        }
        return null;
    }

    internal static string? ProtectedReason(string path)
    {
        var segments = path.Split('/');
        if (segments[0].Equals(HarnessDirectory, StringComparison.OrdinalIgnoreCase)) return "the harness's own state directory";
        if (ProtectedFileNames.Contains(segments[^1])) return "git interprets this file (filters, diff drivers, submodules)";
        return null;
    }

    private static GateFailure? CheckFileSystem(WriteProposal proposal, string root)
    {
        var realRoot = PhysicalPath.Resolve(root);
        foreach (var write in proposal.Writes)
        {
            var current = root;
            var segments = write.Path.Split('/');
            for (var i = 0; i < segments.Length; i++)
            {
                var isLast = i == segments.Length - 1;
                var next = Path.Combine(current, segments[i]);
                var info = new FileInfo(next);
                // LinkTarget is read with lstat semantics: set for any symlink (or junction), dangling or looping ones included.
                if (info.LinkTarget is not null)
                {
                    return Escape($"Path escapes repo root: {write.Path} goes through the symbolic link '{string.Join('/', segments[..(i + 1)])}'");
                }
                var isDirectory = Directory.Exists(next);
                var isFile = File.Exists(next);
                if (!isDirectory && !isFile)
                {
                    if (CaseVariantOf(current, segments[i]) is { } existing)
                    {
                        return Scope($"{write.Path} differs only in case from the existing '{string.Join('/', [.. segments[..i], existing])}'");
                    }
                    break; // The rest does not exist yet; it will be created below a verified directory.
                }
                if (isLast && isDirectory) return Escape($"Write target {write.Path} is a directory");
                if (!isLast && isFile) return Escape($"Write path {write.Path} goes through the file '{string.Join('/', segments[..(i + 1)])}'");
                if (!isLast && (Directory.Exists(Path.Combine(next, ".git")) || File.Exists(Path.Combine(next, ".git"))))
                {
                    return Scope($"Protected path {write.Path}: '{string.Join('/', segments[..(i + 1)])}' is a nested git repository");
                }
                current = next;
            }
            // Containment on the resolved path: the deepest existing ancestor must resolve inside the root.
            var ancestor = Path.GetDirectoryName(Path.Combine(root, write.Path))!;
            while (!Directory.Exists(ancestor)) ancestor = Path.GetDirectoryName(ancestor)!;
            var realAncestor = PhysicalPath.Resolve(ancestor);
            if (realAncestor != realRoot && !realAncestor.StartsWith(realRoot + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            {
                return Escape($"Path escapes repo root: {write.Path} resolves to {realAncestor}");
            }
        }
        return null;
    }

    private static GateFailure? CheckBaseHashes(WriteProposal proposal, string root)
    {
        foreach (var write in proposal.Writes)
        {
            var target = Path.Combine(root, write.Path);
            string actual;
            try { actual = File.Exists(target) ? Sha256OfFile(target) : FileWrite.EmptySha256; }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return new GateFailure(FailureStage.WriteFailed, DiagnosticCodes.WriteFailed, $"Cannot read {write.Path} to check its base hash: {ex.Message}");
            }
            if (!string.Equals(actual, write.BaseSha256, StringComparison.Ordinal))
            {
                return new GateFailure(FailureStage.StaleContext, DiagnosticCodes.StaleBaseHash, $"Hash mismatch for {write.Path}: expected {write.BaseSha256}, actual {actual}");
            }
        }
        return null;
    }

    public static string Sha256OfFile(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 64 * 1024);
        return ContentHash.Sha256Hex(stream);
    }

    private static string? CaseVariantOf(string directory, string name)
    {
        if (!Directory.Exists(directory)) return null;
        foreach (var entry in Directory.EnumerateFileSystemEntries(directory))
        {
            var entryName = Path.GetFileName(entry);
            if (!entryName.Equals(name, StringComparison.Ordinal) && entryName.Equals(name, StringComparison.OrdinalIgnoreCase)) return entryName;
        }
        return null;
    }

    /// <summary>True for '.git' after the folds Windows and macOS apply: case, trailing dots/spaces, ignorable code points.</summary>
    private static bool FoldsToDotGit(string segment)
    {
        var folded = new StringBuilder(segment.Length);
        foreach (var ch in segment)
        {
            if (CharUnicodeInfo.GetUnicodeCategory(ch) == UnicodeCategory.Format) continue;
            folded.Append(ch);
        }
        return folded.ToString().TrimEnd('.', ' ').Equals(".git", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>NTFS 8.3 aliases look like <c>NAME~1</c> or <c>NAME~1.EXT</c> (git's is_ntfs_dotgit rejects them for the same reason).</summary>
    private static bool IsShortNameAlias(string segment)
    {
        var tilde = segment.IndexOf('~');
        return tilde >= 0 && tilde + 1 < segment.Length && char.IsAsciiDigit(segment[tilde + 1]);
    }

    private static bool IsSha256(string text) => text.Length == 64 && text.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f');

    private static string Printable(string path) => string.Concat(path.Select(c => char.IsControl(c) || char.IsSurrogate(c) ? $"\\u{(int)c:X4}" : c.ToString()));

    private static GateFailure Scope(string message) => new(FailureStage.WriteScopeViolation, DiagnosticCodes.WriteOutsideScope, message);
    private static GateFailure Escape(string message) => new(FailureStage.WriteScopeViolation, DiagnosticCodes.PathEscape, message);
    private static GateFailure Invalid(string message) => new(FailureStage.LlmOutputInvalid, DiagnosticCodes.ProposalInvalid, message);
}
