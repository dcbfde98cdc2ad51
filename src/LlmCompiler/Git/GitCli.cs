using System.Text;
using LlmCompiler.IO;
using LlmCompiler.Processes;

namespace LlmCompiler.Git;

/// <summary>A git command that failed; the message carries the command and git's own words.</summary>
public sealed class GitException(string message, ProcessResult result) : Exception(message)
{
    public ProcessResult Result { get; } = result;
}

/// <summary>What one git call gets beyond its arguments: bytes for stdin, extra variables (e.g. a private <c>GIT_INDEX_FILE</c>).</summary>
public sealed record GitInput(byte[]? StandardInput = null, IReadOnlyDictionary<string, string?>? Environment = null);

/// <summary>One tree entry: git mode (<c>100644</c>, <c>100755</c>, <c>120000</c>, <c>160000</c>), object id and path.</summary>
public sealed record TreeEntry(string Mode, string ObjectId, string Path)
{
    public bool IsSubmodule => Mode == "160000";
}

/// <summary>One entry of <c>git status --porcelain -z</c>.</summary>
public sealed record GitStatusEntry(string Code, string Path)
{
    public bool IsUntracked => Code == "??";
    public bool IsIgnored => Code == "!!";
}

/// <summary>
/// The git CLI, hardened (reliability-and-security.md §4): hooks, fsmonitor, external diff and pagers are off,
/// system config and terminal prompts are disabled, repository-selecting variables inherited from a caller's
/// hook are dropped, and every exit code is checked.
/// </summary>
public sealed class GitCli(ChildEnvironment? environment = null, TimeSpan? timeout = null)
{
    private const int MaxOutputBytes = 256 * 1024 * 1024;

    private static readonly string[] Hardening =
    [
        "--no-pager",
        "-c", "core.hooksPath=/dev/null",
        "-c", "core.fsmonitor=false",
        "-c", "diff.external=",
        "-c", "core.pager=cat",
        "-c", "commit.gpgSign=false",
        "-c", "gc.auto=0",
        "-c", "maintenance.auto=false",
        "-c", "advice.detachedHead=false",
    ];

    private readonly ChildEnvironment _environment = (environment ?? ChildEnvironment.Default())
        .With("GIT_TERMINAL_PROMPT", "0")
        .With("GIT_CONFIG_NOSYSTEM", "1")
        .With("GIT_OPTIONAL_LOCKS", "0")
        .With("GIT_PAGER", "cat")
        .With("LC_ALL", "C")
        .With("GIT_DIR", null)
        .With("GIT_WORK_TREE", null)
        .With("GIT_INDEX_FILE", null)
        .With("GIT_OBJECT_DIRECTORY", null)
        .With("GIT_COMMON_DIR", null)
        .With("GIT_CEILING_DIRECTORIES", null);

    private readonly TimeSpan _timeout = timeout ?? TimeSpan.FromMinutes(2);

    private static readonly Lazy<string?> PathGit = new(() => ExecutableResolver.FromPath(OperatingSystem.IsWindows() ? "git.exe" : "git"));

    /// <summary>
    /// The git executable: an absolute path resolved once from <c>PATH</c> (never the current directory, where a
    /// repository could plant its own <c>git</c>); tests substitute a script to prove deadlines and tree kills.
    /// </summary>
    internal string? Executable { get; init; } = PathGit.Value;

    /// <summary>Folders git must not be run from (the repository the tool works on); the working directory always counts.</summary>
    public IReadOnlyList<string> UntrustedRoots { get; init; } = [];

    /// <summary>
    /// Whether each call ends everything git left behind (<see cref="ProcessSpec.KillLeftovers"/>: git leads its own
    /// session, and <c>/proc</c> is scanned for its marker once it exits). On by default. Read-only queries that start
    /// nothing (rev-parse, ls-files, log, ls-tree: hooks, fsmonitor, pagers, gc and maintenance are off) may turn it off,
    /// which spares each call the <c>setsid</c> launch and the scan (about 3.5 ms of a 7 ms call here); a timeout or a
    /// cancellation still kills git's process tree.
    /// </summary>
    public bool KillLeftovers { get; init; } = true;

    /// <summary>
    /// Runs git and returns the result whatever the exit code. Output still held open by a leftover process
    /// after git exited may be cut short, so that run counts as failed (a partial listing must never pass).
    /// </summary>
    public async Task<ProcessResult> TryRunAsync(string workingDirectory, IEnumerable<string> args, CancellationToken ct = default, GitInput? input = null)
    {
        var argList = args.ToList();
        if (RefusalFor(workingDirectory) is { } refusal)
        {
            return new ProcessResult { Argv = ["git", .. argList], ExitCode = ProcessResult.FailedExitCode, LaunchError = refusal, StderrTail = refusal, Stdout = [] };
        }
        var environment = _environment;
        if (input?.Environment is { Count: > 0 } extra)
        {
            environment = _environment.Copy();
            foreach (var (name, value) in extra) environment.With(name, value);
        }
        var result = await ProcessRunner.RunAsync(new ProcessSpec(Executable!, [.. Hardening, .. argList], workingDirectory)
        {
            Timeout = _timeout,
            Environment = environment,
            CaptureAllStdoutUpTo = MaxOutputBytes,
            TailBytes = 16 * 1024,
            StandardInput = input?.StandardInput,
            KillLeftovers = KillLeftovers,
        }, ct).ConfigureAwait(false);
        return result.DrainTimedOut && result.ExitCode == 0 ? result with { ExitCode = ProcessResult.FailedExitCode } : result;
    }

    private string? RefusalFor(string workingDirectory)
    {
        if (Executable is null) return "git was not found on PATH (llmc never runs a git from the current directory)";
        foreach (var root in UntrustedRoots.Prepend(workingDirectory))
        {
            if (PhysicalPath.IsInside(Executable, root) || PhysicalPath.IsInside(PhysicalPath.Resolve(Executable), root))
            {
                return $"git resolves to '{Executable}', inside the repository '{root}'; llmc refuses to run a git the repository supplies. Fix PATH.";
            }
        }
        return null;
    }

    /// <summary>Runs git and throws <see cref="GitException"/> unless it exited 0; returns stdout.</summary>
    public async Task<string> RunAsync(string workingDirectory, IEnumerable<string> args, CancellationToken ct = default, GitInput? input = null)
    {
        var argList = args.ToList();
        var result = await TryRunAsync(workingDirectory, argList, ct, input).ConfigureAwait(false);
        if (!result.Succeeded || result.Stdout is null)
        {
            var why = result.LaunchError ?? (result.TimedOut ? "timed out" : result.StderrTail.Trim());
            throw new GitException($"git {string.Join(' ', argList)} failed (exit {result.ExitCode}): {why}", result);
        }
        return Encoding.UTF8.GetString(result.Stdout);
    }

    public async Task<bool> IsWorkTreeAsync(string dir, CancellationToken ct = default)
    {
        var r = await TryRunAsync(dir, ["rev-parse", "--is-inside-work-tree"], ct).ConfigureAwait(false);
        return r.Succeeded && Out(r).Trim() == "true";
    }

    public async Task<string> TopLevelAsync(string dir, CancellationToken ct = default) =>
        (await RunAsync(dir, ["rev-parse", "--show-toplevel"], ct).ConfigureAwait(false)).TrimEnd('\n');

    /// <summary>The common git dir (shared by all worktrees), absolute.</summary>
    public async Task<string> CommonDirAsync(string dir, CancellationToken ct = default)
    {
        var path = (await RunAsync(dir, ["rev-parse", "--git-common-dir"], ct).ConfigureAwait(false)).TrimEnd('\n');
        return Path.GetFullPath(Path.IsPathRooted(path) ? path : Path.Combine(dir, path));
    }

    /// <summary>The commit HEAD points at, or null when the repository has no commits yet.</summary>
    public async Task<string?> HeadCommitAsync(string dir, CancellationToken ct = default)
    {
        var r = await TryRunAsync(dir, ["rev-parse", "--verify", "--quiet", "HEAD^{commit}"], ct).ConfigureAwait(false);
        return r.Succeeded ? Out(r).Trim() : null;
    }

    /// <summary>The short name of the checked-out branch, or null on a detached HEAD.</summary>
    public async Task<string?> CurrentBranchAsync(string dir, CancellationToken ct = default)
    {
        var r = await TryRunAsync(dir, ["symbolic-ref", "--quiet", "--short", "HEAD"], ct).ConfigureAwait(false);
        return r.Succeeded ? Out(r).Trim() : null;
    }

    /// <summary>Tracked changes and untracked-not-ignored files (ignored files are not reported).</summary>
    public async Task<IReadOnlyList<GitStatusEntry>> StatusAsync(string dir, CancellationToken ct = default)
    {
        var output = await RunAsync(dir, ["status", "--porcelain=v1", "-z", "--untracked-files=all", "--ignore-submodules=none"], ct).ConfigureAwait(false);
        return ParsePorcelainZ(output);
    }

    /// <summary>Parses <c>--porcelain -z</c>: renames and copies carry a second (source) path, which is skipped.</summary>
    public static IReadOnlyList<GitStatusEntry> ParsePorcelainZ(string output)
    {
        var entries = new List<GitStatusEntry>();
        var parts = output.Split('\0');
        for (var i = 0; i < parts.Length; i++)
        {
            var part = parts[i];
            if (part.Length < 4) continue;
            var code = part[..2];
            entries.Add(new GitStatusEntry(code, part[3..]));
            if (code[0] is 'R' or 'C' || code[1] is 'R' or 'C') i++;
        }
        return entries;
    }

    public async Task<IReadOnlyList<string>> LsFilesAsync(string dir, CancellationToken ct = default)
    {
        var output = await RunAsync(dir, ["ls-files", "-z", "--full-name"], ct).ConfigureAwait(false);
        return output.Split('\0', StringSplitOptions.RemoveEmptyEntries);
    }

    /// <summary>Adds a detached worktree at <paramref name="commit"/> (a branch is made only for a commit worth keeping).</summary>
    public Task WorktreeAddAsync(string repo, string path, string commit, CancellationToken ct = default) =>
        RunAsync(repo, ["worktree", "add", "--quiet", "--detach", path, commit], ct);

    /// <summary>
    /// Puts a worktree the harness owns back to exactly <paramref name="commit"/>: forced detached checkout, then
    /// removal of every untracked and ignored file (nested repositories included). Returns false unless git then
    /// reports nothing at all, ignored files included. Never used on the user's checkout.
    /// </summary>
    public async Task<bool> ResetOwnWorktreeAsync(string worktree, string commit, CancellationToken ct = default)
    {
        var checkout = await TryRunAsync(worktree, ["checkout", "--quiet", "--detach", "--force", commit], ct).ConfigureAwait(false);
        if (!checkout.Succeeded) return false;
        var clean = await TryRunAsync(worktree, ["clean", "-ffdxq"], ct).ConfigureAwait(false);
        if (!clean.Succeeded) return false;
        var status = await TryRunAsync(worktree, ["status", "--porcelain", "--ignored", "--untracked-files=all", "-z"], ct).ConfigureAwait(false);
        var head = await TryRunAsync(worktree, ["rev-parse", "HEAD"], ct).ConfigureAwait(false);
        return status.Succeeded && Out(status).Length == 0 && head.Succeeded && Out(head).Trim() == commit;
    }

    public Task WorktreeRemoveAsync(string repo, string path, CancellationToken ct = default) =>
        RunAsync(repo, ["worktree", "remove", "--force", "--force", path], ct);

    public Task WorktreePruneAsync(string repo, CancellationToken ct = default) =>
        RunAsync(repo, ["worktree", "prune"], ct);

    public async Task<IReadOnlyList<string>> WorktreePathsAsync(string repo, CancellationToken ct = default)
    {
        var output = await RunAsync(repo, ["worktree", "list", "--porcelain", "-z"], ct).ConfigureAwait(false);
        return output.Split('\0').Where(l => l.StartsWith("worktree ", StringComparison.Ordinal)).Select(l => l[9..]).ToList();
    }

    /// <summary>The repository's object format: <c>sha1</c> (the default) or <c>sha256</c>.</summary>
    public async Task<string> ObjectFormatAsync(string repo, CancellationToken ct = default)
    {
        var r = await TryRunAsync(repo, ["rev-parse", "--show-object-format"], ct).ConfigureAwait(false);
        var format = r.Succeeded ? Out(r).Trim() : "";
        return format is "sha256" ? "sha256" : "sha1";
    }

    /// <summary>Stores <paramref name="content"/> as a blob, byte for byte (no filters), and returns its id.</summary>
    public async Task<string> StoreBlobAsync(string repo, byte[] content, CancellationToken ct = default) =>
        (await RunAsync(repo, ["hash-object", "-w", "--no-filters", "--stdin"], ct, new GitInput(content)).ConfigureAwait(false)).Trim();

    /// <summary>
    /// Stores the files at <paramref name="paths"/> (relative to <paramref name="worktree"/>) as blobs, byte for byte:
    /// <c>--no-filters</c>, so no clean filter or line-ending conversion runs. Returns one object id per path.
    /// </summary>
    public async Task<IReadOnlyList<string>> StoreBlobsAsync(string worktree, IReadOnlyList<string> paths, CancellationToken ct = default)
    {
        if (paths.Count == 0) return [];
        var stdin = Encoding.UTF8.GetBytes(string.Concat(paths.Select(p => p + "\n")));
        var output = await RunAsync(worktree, ["hash-object", "-w", "--no-filters", "--stdin-paths"], ct, new GitInput(stdin)).ConfigureAwait(false);
        var ids = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (ids.Length != paths.Count) throw new GitException($"git hash-object returned {ids.Length} ids for {paths.Count} paths", new ProcessResult { Argv = ["git", "hash-object"], ExitCode = 0 });
        return ids;
    }

    /// <summary>
    /// Builds a commit on <paramref name="parent"/> whose tree is the parent's with exactly <paramref name="entries"/>
    /// replaced or added. Uses a private index (<c>GIT_INDEX_FILE</c> in <paramref name="scratchDirectory"/>): no
    /// worktree's index, HEAD or refs is read or written, so nothing a command left in a worktree can reach the commit.
    /// </summary>
    public async Task<string> CommitTreeAsync(string repo, string scratchDirectory, string parent, IReadOnlyList<TreeEntry> entries, string message, CancellationToken ct = default)
    {
        Directory.CreateDirectory(scratchDirectory);
        var index = Path.Combine(scratchDirectory, $"index-{Guid.NewGuid():N}");
        var env = new Dictionary<string, string?>(StringComparer.Ordinal) { ["GIT_INDEX_FILE"] = index };
        try
        {
            await RunAsync(repo, ["read-tree", parent], ct, new GitInput(null, env)).ConfigureAwait(false);
            if (entries.Count > 0)
            {
                var info = string.Concat(entries.Select(e => $"{e.Mode} {e.ObjectId}\t{e.Path}\0"));
                await RunAsync(repo, ["update-index", "-z", "--index-info"], ct, new GitInput(Encoding.UTF8.GetBytes(info), env)).ConfigureAwait(false);
            }
            var tree = (await RunAsync(repo, ["write-tree"], ct, new GitInput(null, env)).ConfigureAwait(false)).Trim();
            var identity = await IdentityArgsAsync(repo, ct).ConfigureAwait(false);
            var commit = await RunAsync(repo, [.. identity, "commit-tree", tree, "-p", parent, "-F", "-"], ct,
                new GitInput(new UTF8Encoding(false).GetBytes(message), env)).ConfigureAwait(false);
            return commit.Trim();
        }
        finally
        {
            try { File.Delete(index); } catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { }
            try { File.Delete(index + ".lock"); } catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { }
        }
    }

    /// <summary>Paths whose content or mode differ between two commits (no rename detection), sorted ordinally.</summary>
    public async Task<IReadOnlyList<string>> ChangedPathsAsync(string repo, string from, string to, CancellationToken ct = default)
    {
        var output = await RunAsync(repo, ["diff-tree", "-r", "-z", "--no-renames", "--name-only", "--no-commit-id", from, to], ct).ConfigureAwait(false);
        return [.. output.Split('\0', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal)];
    }

    /// <summary>Added and deleted lines per changed path between two commits (<c>git diff --numstat</c>; binary files count none).</summary>
    public async Task<IReadOnlyList<(string Path, int Added, int Deleted)>> NumStatAsync(string repo, string from, string to, CancellationToken ct = default)
    {
        var output = await RunAsync(repo, ["-c", "core.quotePath=false", "diff", "--no-renames", "--no-ext-diff", "--numstat", "-z", from, to, "--"], ct).ConfigureAwait(false);
        var result = new List<(string, int, int)>();
        foreach (var record in output.Split('\0', StringSplitOptions.RemoveEmptyEntries))
        {
            var fields = record.Split('\t', 3);
            if (fields.Length < 3) continue;
            result.Add((fields[2].TrimStart('\n'), int.TryParse(fields[0], out var a) ? a : 0, int.TryParse(fields[1], out var d) ? d : 0));
        }
        return result;
    }

    /// <summary>The unified diff between two commits, as a reviewer reads it.</summary>
    public Task<string> UnifiedDiffAsync(string repo, string from, string to, CancellationToken ct = default) =>
        RunAsync(repo, ["-c", "core.quotePath=false", "diff", "--no-renames", "--no-ext-diff", "--no-color", from, to, "--"], ct);

    /// <summary>Every blob and gitlink of <paramref name="treeish"/>: path → (mode, object id).</summary>
    public async Task<IReadOnlyDictionary<string, TreeEntry>> TreeEntriesAsync(string repo, string treeish, CancellationToken ct = default)
    {
        var output = await RunAsync(repo, ["ls-tree", "-r", "-z", "--full-tree", treeish], ct).ConfigureAwait(false);
        var entries = new Dictionary<string, TreeEntry>(StringComparer.Ordinal);
        foreach (var record in output.Split('\0', StringSplitOptions.RemoveEmptyEntries))
        {
            // "<mode> SP <type> SP <object>\t<path>"
            var tab = record.IndexOf('\t');
            if (tab < 0) continue;
            var fields = record[..tab].Split(' ');
            if (fields.Length < 3) continue;
            var path = record[(tab + 1)..];
            entries[path] = new TreeEntry(fields[0], fields[2], path);
        }
        return entries;
    }

    /// <summary>The user's identity when configured; a fixed bot identity otherwise (never written to config).</summary>
    private async Task<string[]> IdentityArgsAsync(string dir, CancellationToken ct)
    {
        var name = await TryRunAsync(dir, ["config", "user.name"], ct).ConfigureAwait(false);
        var email = await TryRunAsync(dir, ["config", "user.email"], ct).ConfigureAwait(false);
        var args = new List<string>();
        if (!name.Succeeded || Out(name).Trim().Length == 0) args.AddRange(["-c", "user.name=llmc"]);
        if (!email.Succeeded || Out(email).Trim().Length == 0) args.AddRange(["-c", "user.email=llmc@noreply.local"]);
        return [.. args];
    }

    /// <summary>Fast-forwards the checked-out branch of <paramref name="repo"/> to <paramref name="commit"/>; false if git refuses.</summary>
    public async Task<(bool Ok, string Message)> FastForwardAsync(string repo, string commit, CancellationToken ct = default)
    {
        var r = await TryRunAsync(repo, ["merge", "--ff-only", "--no-edit", "--quiet", commit], ct).ConfigureAwait(false);
        return (r.Succeeded, (r.StderrTail + r.StdoutTail).Trim());
    }

    public async Task<bool> ObjectExistsAsync(string repo, string objectId, CancellationToken ct = default) =>
        (await TryRunAsync(repo, ["cat-file", "-e", objectId + "^{commit}"], ct).ConfigureAwait(false)).Succeeded;

    public async Task<bool> BranchExistsAsync(string repo, string branch, CancellationToken ct = default) =>
        (await TryRunAsync(repo, ["rev-parse", "--verify", "--quiet", "refs/heads/" + branch], ct).ConfigureAwait(false)).Succeeded;

    public async Task<bool> IsAncestorAsync(string repo, string ancestor, string descendant, CancellationToken ct = default) =>
        (await TryRunAsync(repo, ["merge-base", "--is-ancestor", ancestor, descendant], ct).ConfigureAwait(false)).ExitCode == 0;

    public Task CreateBranchAsync(string repo, string branch, string commit, CancellationToken ct = default) =>
        RunAsync(repo, ["branch", "--quiet", "--no-track", branch, commit], ct);

    public Task DeleteBranchAsync(string repo, string branch, CancellationToken ct = default) =>
        RunAsync(repo, ["branch", "--quiet", "-D", branch], ct);

    public async Task<IReadOnlyList<string>> BranchesAsync(string repo, string pattern, CancellationToken ct = default)
    {
        var output = await RunAsync(repo, ["for-each-ref", "--format=%(refname:short)", "refs/heads/" + pattern], ct).ConfigureAwait(false);
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    /// <summary>The bytes of a blob (a file's content as committed).</summary>
    public async Task<byte[]> ReadBlobAsync(string repo, string objectId, CancellationToken ct = default)
    {
        var r = await TryRunAsync(repo, ["cat-file", "blob", objectId], ct).ConfigureAwait(false);
        if (!r.Succeeded || r.Stdout is null || r.StdoutOverflowed) throw new GitException($"git cat-file blob {objectId} failed", r);
        return r.Stdout;
    }

    /// <summary>A commit's tree, parents and message.</summary>
    public async Task<GitCommitInfo> CommitInfoAsync(string repo, string commit, CancellationToken ct = default)
    {
        var output = await RunAsync(repo, ["log", "-1", "--format=%T%x00%P%x00%B", commit, "--"], ct).ConfigureAwait(false);
        var parts = output.Split('\0', 3);
        if (parts.Length < 3) throw new IOException($"git log {commit} printed no commit");
        return new GitCommitInfo(commit, parts[0].Trim(), parts[1].Split(' ', StringSplitOptions.RemoveEmptyEntries), parts[2].TrimEnd('\n') + "\n");
    }

    /// <summary>A new commit with an existing tree, one parent and a message (a commit moved onto another parent).</summary>
    public async Task<string> CommitExistingTreeAsync(string repo, string tree, string parent, string message, CancellationToken ct = default)
    {
        var identity = await IdentityArgsAsync(repo, ct).ConfigureAwait(false);
        return (await RunAsync(repo, [.. identity, "commit-tree", tree, "-p", parent, "-F", "-"], ct,
            new GitInput(new UTF8Encoding(false).GetBytes(message))).ConfigureAwait(false)).Trim();
    }

    /// <summary>Points a branch at a commit, creating or moving it.</summary>
    public Task SetBranchAsync(string repo, string branch, string commit, CancellationToken ct = default) =>
        RunAsync(repo, ["branch", "--quiet", "--no-track", "-f", branch, commit], ct);

    /// <summary>Every value of trailer <paramref name="key"/> in the history of HEAD.</summary>
    public async Task<IReadOnlySet<string>> TrailerValuesAsync(string repo, string key, CancellationToken ct = default)
    {
        var output = await RunAsync(repo, ["log", $"--format=%(trailers:key={key},valueonly,separator=%x00)%x00", "HEAD"], ct).ConfigureAwait(false);
        return output.Split(['\0', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal);
    }

    private static string Out(ProcessResult r) => r.Stdout is null ? "" : Encoding.UTF8.GetString(r.Stdout);
}

/// <summary>What the factory reads of a commit.</summary>
public sealed record GitCommitInfo(string Id, string Tree, IReadOnlyList<string> Parents, string Message);
