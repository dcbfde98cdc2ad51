using System.Text;
using LlmCompiler.Contracts;
using LlmCompiler.Contracts.Json;
using LlmCompiler.Factory;
using LlmCompiler.IO;

namespace LlmCompiler.Tests.Factory;

/// <summary>
/// The bad-input catalogue of reliability-and-security.md §2 (rows that apply on Linux), each a hostile write
/// proposal against a fixture with symlinks out of and inside the repo, a nested repository, a directory
/// target and a sentinel folder outside. Every row asserts the exact stage and code, and that neither the
/// repository nor the sentinel changed by a single byte.
/// </summary>
[TestClass]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class HostileProposalTests
{
    private const string Empty = FileWrite.EmptySha256;
    private static readonly string AlphaSha = ContentHash.Sha256Hex("alpha\n"u8);
    private static readonly string FooSha = ContentHash.Sha256Hex("class Foo {}\n"u8);

    private sealed record Row(string Name, FailureStage Stage, string Code, WriteProposal? Proposal = null, byte[]? Json = null);

    private static readonly Dictionary<string, Row> Rows = BuildRows().ToDictionary(r => r.Name);

    public static IEnumerable<object[]> RowNames => Rows.Keys.Select(k => new object[] { k });

    [TestMethod]
    public void Catalogue_has_at_least_100_rows() => Assert.IsGreaterThanOrEqualTo(100, Rows.Count);

    [TestMethod]
    [DynamicData(nameof(RowNames))]
    public void Hostile_proposal_is_refused_and_nothing_changes(string name)
    {
        var row = Rows[name];
        using var repo = new TestRepo(init: false);
        BuildFixture(repo);
        var before = TestRepo.TreeHash(repo.Root);
        var outsideBefore = TestRepo.TreeHash(repo.Outside);

        GateFailure? failure;
        if (row.Json is not null)
        {
            var (proposal, parseFailure) = ExecutorAnswer.Parse(new SourceText("response.json", row.Json));
            failure = parseFailure ?? WriteGate.Apply(proposal!, AllowedFiles, repo.Root).Failure;
        }
        else
        {
            failure = WriteGate.Apply(row.Proposal!, AllowedFiles, repo.Root).Failure;
        }

        Assert.IsNotNull(failure, $"{name}: the proposal was accepted");
        Assert.AreEqual(row.Stage, failure.Stage, $"{name}: {failure.Message}");
        Assert.AreEqual(row.Code, failure.Code, $"{name}: {failure.Message}");
        Assert.AreEqual(before, TestRepo.TreeHash(repo.Root), $"{name}: the repository changed");
        Assert.AreEqual(outsideBefore, TestRepo.TreeHash(repo.Outside), $"{name}: the sentinel outside the repository changed");
    }

    [TestMethod]
    public void A_valid_proposal_on_the_same_fixture_is_applied_with_modes_kept()
    {
        using var repo = new TestRepo(init: false);
        BuildFixture(repo);
        var outsideBefore = TestRepo.TreeHash(repo.Outside);
        var scriptSha = WriteGate.Sha256OfFile(repo.PathOf("script.sh"));
        var proposal = P(("src/a.txt", AlphaSha, "beta\n"), ("new/deep/file.txt", Empty, "new\n"), ("script.sh", scriptSha, "#!/bin/sh\necho hi\n"),
            (new string('a', 236) + ".txt", Empty, "max length path\n"));
        var result = WriteGate.Apply(proposal, AllowedFiles, repo.Root);
        Assert.IsTrue(result.Ok, result.Failure?.Message);
        Assert.AreEqual("beta\n", File.ReadAllText(repo.PathOf("src/a.txt")));
        Assert.AreEqual("new\n", File.ReadAllText(repo.PathOf("new/deep/file.txt")));
        Assert.AreEqual(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead, File.GetUnixFileMode(repo.PathOf("new/deep/file.txt")));
        Assert.IsTrue(File.GetUnixFileMode(repo.PathOf("script.sh")).HasFlag(UnixFileMode.UserExecute), "the executable bit was lost");
        CollectionAssert.AreEqual(new[] { new string('a', 236) + ".txt", "new/deep/file.txt", "script.sh", "src/a.txt" }, result.TouchedFiles.ToArray());
        Assert.IsFalse(TestRepo.Walk(repo.Root).Any(p => Path.GetFileName(p).StartsWith(".llmc-", StringComparison.Ordinal)), "a temp file was left behind");
        Assert.AreEqual(outsideBefore, TestRepo.TreeHash(repo.Outside));
    }

    private static readonly string[] AllowedFiles = BuildAllowed();

    private static string[] BuildAllowed()
    {
        var allowed = new List<string>
        {
            "src/a.txt", "Foo.cs", "foo.cs", "src/A.txt", "SRC/a.txt", "new.txt", "other.txt", "new/deep/file.txt", "script.sh",
            "dir", "src", "dir/inner.txt", "file_parent/x.txt", "link_out", "link_out/x.txt", "link_rel/secret.txt", "link_file",
            "src/up/src/a.txt", "link_in/a.txt", "loop/x", "dangling", "vendor/lib/src.c", "sub/x.txt", ".gitmodules", ".gitattributes",
            "src/.gitattributes", ".llmc/runs/x.json", ".LLMC/x", "big.txt", "big2.txt", "big3.txt", new string('a', 236) + ".txt",
        };
        return [.. allowed];
    }

    private static void BuildFixture(TestRepo repo)
    {
        repo.Write("src/a.txt", "alpha\n").Write("Foo.cs", "class Foo {}\n").Write("dir/inner.txt", "inner\n").Write("file_parent", "a file\n");
        repo.Write("script.sh", "#!/bin/sh\n");
        File.SetUnixFileMode(repo.PathOf("script.sh"), (UnixFileMode)0b111_101_101);
        File.CreateSymbolicLink(repo.PathOf("link_out"), repo.Outside);
        File.CreateSymbolicLink(repo.PathOf("link_rel"), "../outside");
        File.CreateSymbolicLink(repo.PathOf("link_file"), Path.Combine(repo.Outside, "secret.txt"));
        File.CreateSymbolicLink(repo.PathOf("src/up"), "..");
        File.CreateSymbolicLink(repo.PathOf("link_in"), "src");
        File.CreateSymbolicLink(repo.PathOf("loop"), "loop");
        File.CreateSymbolicLink(repo.PathOf("dangling"), "does-not-exist");
        repo.Write("vendor/lib/.git/HEAD", "ref: refs/heads/main\n");
        repo.Write("sub/.git", "gitdir: ../outside\n");
    }

    private static WriteProposal P(params (string Path, string Sha, string Content)[] writes) =>
        new() { Summary = "hostile", Writes = [.. writes.Select(w => new FileWrite(w.Path, w.Sha, w.Content))] };

    private static IEnumerable<Row> BuildRows()
    {
        Row PathRow(string name, string path) => new(name, FailureStage.WriteScopeViolation, "E206", P((path, Empty, "x")));
        Row Scope(string name, WriteProposal p) => new(name, FailureStage.WriteScopeViolation, "E205", p);
        Row Escape(string name, WriteProposal p) => new(name, FailureStage.WriteScopeViolation, "E206", p);
        Row Invalid(string name, WriteProposal p) => new(name, FailureStage.LlmOutputInvalid, "E214", p);
        Row Stale(string name, WriteProposal p) => new(name, FailureStage.StaleContext, "E207", p);
        Row Json(string name, string json) => new(name, FailureStage.LlmOutputInvalid, "E214", Json: Encoding.UTF8.GetBytes(json));

        // Traversal, absolute, UNC/device, backslash, colon.
        yield return PathRow("dotdot-prefix", "../x");
        yield return PathRow("dotdot-middle", "a/../../x");
        yield return PathRow("dotdot-last", "a/..");
        yield return PathRow("dot-dotdot", "./../x");
        yield return PathRow("dotdot-alone", "..");
        yield return PathRow("dotdot-to-sentinel", "src/../../outside/secret.txt");
        yield return PathRow("dotdot-deep", "a/b/c/../../../../x");
        yield return PathRow("absolute-etc", "/etc/passwd");
        yield return PathRow("absolute-tmp", "/tmp/llmc-x");
        yield return PathRow("absolute-unc-slashes", "//server/share/x");
        yield return PathRow("drive-absolute", "C:\\x");
        yield return PathRow("drive-relative", "C:x");
        yield return PathRow("backslash-root", "\\x");
        yield return PathRow("unc-backslash", "\\\\server\\share\\x");
        yield return PathRow("device-long", "\\\\?\\C:\\x");
        yield return PathRow("device-pipe", "\\\\.\\pipe\\x");
        yield return PathRow("backslash-separator", "src\\a.txt");
        yield return PathRow("backslash-traversal", "src\\..\\..\\x");
        yield return PathRow("ads-stream", "a.cs:stream");
        yield return PathRow("ads-data", "a.cs::$DATA");
        yield return PathRow("colon-plain", "C:foo");
        // Windows device names, trailing dots and spaces.
        yield return PathRow("device-con", "CON");
        yield return PathRow("device-nul-ext", "nul.txt");
        yield return PathRow("device-com1", "COM1.cs");
        yield return PathRow("device-lpt9", "LPT9");
        yield return PathRow("device-aux-json", "aux.json");
        yield return PathRow("device-nested", "src/prn.txt");
        yield return PathRow("trailing-dot", "foo.cs.");
        yield return PathRow("trailing-space", "foo.cs ");
        yield return PathRow("leading-space", " foo.cs");
        yield return PathRow("segment-trailing-space", "src /a.txt");
        yield return PathRow("segment-trailing-dot", "src./a.txt");
        // 8.3 short names.
        yield return PathRow("short-git", "GIT~1/config");
        yield return PathRow("short-progra", "PROGRA~1/x");
        yield return PathRow("short-ext", "DIREC~1.BUI");
        // .git and its aliases, at any depth.
        yield return PathRow("git-config", ".git/config");
        yield return PathRow("git-upper-hooks", ".GIT/hooks/pre-commit");
        yield return PathRow("git-trailing-dot", ".git./config");
        yield return PathRow("git-trailing-space", ".git /config");
        yield return PathRow("git-zwnj", ".git\u200c/config");
        yield return PathRow("git-zwj", ".git\u200d/HEAD");
        yield return PathRow("git-bom", "\ufeff.git/config");
        yield return PathRow("git-mixed-case", ".Git/hooks/x");
        yield return PathRow("git-nested", "vendor/x/.git/hooks/pre-commit");
        yield return PathRow("git-alone", ".git");
        yield return PathRow("git-info-attributes", ".git/info/attributes");
        // Unicode: normalisation, bidi, invisible, control.
        yield return PathRow("unicode-nfd", "e\u0301.txt");
        yield return PathRow("unicode-bidi-override", "a\u202Eb.txt");
        yield return PathRow("unicode-zero-width-space", "a\u200Bb.txt");
        yield return PathRow("unicode-c1-nel", "a\u0085b.txt");
        yield return PathRow("control-bell", "a\u0007b.txt");
        yield return PathRow("control-escape", "a\u001Bb.txt");
        yield return PathRow("unicode-line-separator", "\u2028x.txt");
        yield return PathRow("unicode-lone-surrogate", "a\ud800b.txt");
        yield return PathRow("unicode-private-use", "a\ue000.txt");
        yield return PathRow("tab-leading", "\tfoo.txt");
        yield return PathRow("newline-trailing", "foo.txt\n");
        // NUL.
        yield return PathRow("nul-middle", "a\0b.txt");
        yield return PathRow("nul-extension-trick", "src/a.txt\0.png");
        // Empty, dot and non-normal spellings (rejected, not normalised).
        yield return PathRow("empty", "");
        yield return PathRow("dot", ".");
        yield return PathRow("double-slash", "src//a.txt");
        yield return PathRow("trailing-slash", "src/a.txt/");
        yield return PathRow("dot-slash", "./src/a.txt");
        yield return PathRow("dot-segment", "src/./a.txt");
        // Globs and overlong shapes.
        yield return PathRow("glob-star", "*.cs");
        yield return PathRow("glob-question", "src/?.txt");
        yield return PathRow("glob-bracket", "[ab].txt");
        yield return PathRow("too-long-path", new string('a', 237) + ".txt");
        yield return PathRow("too-long-segment", new string('b', 256));
        yield return PathRow("too-deep", string.Join('/', Enumerable.Repeat("d", 33)));

        // Duplicates and case collisions.
        yield return Scope("duplicate-exact", P(("src/a.txt", AlphaSha, "1"), ("src/a.txt", AlphaSha, "2")));
        yield return Scope("duplicate-case-root", P(("Foo.cs", FooSha, "1"), ("foo.cs", Empty, "2")));
        yield return Scope("duplicate-case-file", P(("src/A.txt", Empty, "1"), ("src/a.txt", AlphaSha, "2")));
        yield return Scope("case-variant-of-existing-file", P(("foo.cs", Empty, "x")));
        yield return Scope("case-variant-of-existing-dir", P(("SRC/a.txt", Empty, "x")));
        // Scope.
        yield return Scope("out-of-scope", P(("not_allowed.txt", Empty, "x")));
        yield return Scope("out-of-scope-second", P(("src/a.txt", AlphaSha, "ok"), ("README.md", Empty, "x")));
        yield return Scope("out-of-scope-csproj", P(("Directory.Build.props", Empty, "<Project />")));
        yield return Scope("out-of-scope-workflow", P((".github/workflows/ci.yml", Empty, "on: push")));
        yield return Scope("out-of-scope-nuget-config", P(("NuGet.config", Empty, "<configuration />")));
        // Protected even when allowed, even when absent.
        yield return Scope("protected-gitmodules", P((".gitmodules", Empty, "[submodule]")));
        yield return Scope("protected-gitattributes", P((".gitattributes", Empty, "* filter=evil")));
        yield return Scope("protected-nested-gitattributes", P(("src/.gitattributes", Empty, "* diff=evil")));
        yield return Scope("protected-harness-dir", P((".llmc/runs/x.json", Empty, "{}")));
        yield return Scope("protected-harness-dir-case", P((".LLMC/x", Empty, "{}")));
        yield return Scope("nested-repository", P(("vendor/lib/src.c", Empty, "int x;")));
        yield return Scope("gitdir-pointer-repository", P(("sub/x.txt", Empty, "x")));

        // Symlinks, directories and files in the way.
        yield return Escape("symlink-parent-absolute-out", P(("link_out/x.txt", Empty, "x")));
        yield return Escape("symlink-parent-relative-out", P(("link_rel/secret.txt", ContentHash.Sha256Hex("outside the repository\n"u8), "pwned")));
        yield return Escape("symlink-final-file-out", P(("link_file", ContentHash.Sha256Hex("outside the repository\n"u8), "pwned")));
        yield return Escape("symlink-parent-inside-up", P(("src/up/src/a.txt", AlphaSha, "x")));
        yield return Escape("symlink-parent-inside", P(("link_in/a.txt", AlphaSha, "x")));
        yield return Escape("symlink-loop", P(("loop/x", Empty, "x")));
        yield return Escape("symlink-dangling-final", P(("dangling", Empty, "x")));
        yield return Escape("symlink-final-dir", P(("link_out", Empty, "x")));
        yield return Escape("directory-target", P(("dir", Empty, "x")));
        yield return Escape("directory-target-src", P(("src", Empty, "x")));
        yield return Escape("file-as-parent", P(("file_parent/x.txt", Empty, "x")));
        yield return Escape("valid-then-symlink", P(("src/a.txt", AlphaSha, "changed"), ("link_out/x.txt", Empty, "x")));

        // Content.
        yield return Invalid("content-lone-surrogate", P(("new.txt", Empty, "a\ud800b")));
        yield return Invalid("content-nul", P(("new.txt", Empty, "a\0b")));
        yield return Invalid("content-over-file-limit", P(("big.txt", Empty, new string('x', WriteProposal.MaxFileBytes + 1))));
        yield return Invalid("content-multibyte-over-limit", P(("big.txt", Empty, new string('é', WriteProposal.MaxFileBytes / 2 + 1))));
        yield return Invalid("content-over-total-limit", P(("big.txt", Empty, new string('x', 199 * 1024)), ("big2.txt", Empty, new string('x', 199 * 1024)), ("big3.txt", Empty, new string('x', 199 * 1024))));
        yield return Invalid("hash-upper-case", P(("src/a.txt", AlphaSha.ToUpperInvariant(), "x")));
        yield return Invalid("hash-short", P(("src/a.txt", AlphaSha[..63], "x")));
        yield return Invalid("no-writes", P());

        // Stale base hashes (all checked before any write).
        yield return Stale("stale-existing-claimed-new", P(("src/a.txt", Empty, "x")));
        yield return Stale("stale-wrong-hash", P(("src/a.txt", FooSha, "x")));
        yield return Stale("stale-new-file-with-hash", P(("new.txt", AlphaSha, "x")));
        yield return Stale("stale-second-of-two", P(("new.txt", Empty, "first"), ("Foo.cs", AlphaSha, "second")));
        yield return Stale("stale-zero-hash", P(("src/a.txt", new string('0', 64), "x")));

        // Raw answers the parser must refuse.
        yield return Json("json-duplicate-path-key", """{"summary":"s","writes":[{"path":"new.txt","path":"../x","base_sha256":"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855","content":"x"}]}""");
        yield return Json("json-duplicate-writes-key", """{"summary":"s","writes":[],"writes":[{"path":"new.txt","base_sha256":"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855","content":"x"}]}""");
        yield return Json("json-lone-surrogate-path", """{"summary":"s","writes":[{"path":"a\ud800.txt","base_sha256":"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855","content":"x"}]}""");
        yield return Json("json-traversal-path", """{"summary":"s","writes":[{"path":"../outside/secret.txt","base_sha256":"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855","content":"x"}]}""");
        yield return Json("json-array-top-level", """[{"path":"new.txt"}]""");
        yield return Json("json-missing-content", """{"summary":"s","writes":[{"path":"new.txt","base_sha256":"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}]}""");
        yield return Json("json-empty-writes", """{"summary":"s","writes":[]}""");
        yield return Json("json-extra-property", """{"summary":"s","writes":[{"path":"new.txt","base_sha256":"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855","content":"x","mode":"0777"}]}""");
        yield return Json("json-trailing-garbage", """{"summary":"s","writes":[{"path":"new.txt","base_sha256":"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855","content":"x"}]} rm -rf /""");
        yield return Json("json-deep-nesting", "{\"summary\":" + new string('[', 200) + new string(']', 200) + ",\"writes\":[]}");
        yield return Json("json-path-number", """{"summary":"s","writes":[{"path":42,"base_sha256":"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855","content":"x"}]}""");
        yield return Json("json-content-null", """{"summary":"s","writes":[{"path":"new.txt","base_sha256":"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855","content":null}]}""");
        yield return Json("json-comment", """{"summary":"s", /* hi */ "writes":[{"path":"new.txt","base_sha256":"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855","content":"x"}]}""");
        yield return Json("json-prose-around", """Sure! Here it is: {"summary":"s","writes":[]}""");
        yield return new Row("json-invalid-utf8", FailureStage.LlmOutputInvalid, "E214",
            Json: [.. "{\"summary\":\"s\",\"writes\":[{\"path\":\"new.txt\",\"base_sha256\":\"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\",\"content\":\""u8.ToArray(), 0xC3, 0x28, 0xFF, .. "\"}]}"u8.ToArray()]);
    }
}
