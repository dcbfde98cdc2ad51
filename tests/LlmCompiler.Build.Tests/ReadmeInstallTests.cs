using System.Text.RegularExpressions;

namespace LlmCompiler.Build.Tests;

/// <summary>
/// The README's installation snippets work when pasted: the shell blocks of its "Install" section run as written,
/// in order, with a fresh home folder (so the feed, the user-wide NuGet configuration, the package cache and the
/// global tool are all the snippets' own): pack into a local feed, register it, install the tool, add the package
/// to a project of a repository that uses central package management, build it. Then the by-hand variant for every
/// project, a <c>GlobalPackageReference</c> with the plan in a root <c>workorders/</c>.
/// </summary>
[TestClass]
public sealed partial class ReadmeInstallTests
{
    [TestMethod]
    public void The_install_section_of_the_README_runs_as_written_against_packages_packed_from_this_tree()
    {
        var source = SourceTree.Root;
        var blocks = InstallBlocks(File.ReadAllText(Path.Combine(source, "README.md")));
        Assert.HasCount(3, blocks, "the install section has three shell blocks: feed, tool, package");
        using var scratch = new TempDirectory("llmc-readme");
        var clone = CopyOfSourceTree(source, scratch.Combine("clone"));
        var home = Directory.CreateDirectory(scratch.Combine("home")).FullName;
        var product = CentralPackageManagementRepository(scratch.Combine("product"));
        var env = new Dictionary<string, string?>
        {
            ["HOME"] = home,
            // As a shell has it once the SDK's first run has put the tools folder on PATH.
            ["PATH"] = Path.Combine(home, ".dotnet", "tools") + Path.PathSeparator + Environment.GetEnvironmentVariable("PATH"),
            ["NUGET_PACKAGES"] = null,
            ["XDG_CACHE_HOME"] = null,
            ["DOTNET_CLI_HOME"] = null,
        };

        var feed = Bash(blocks[0], clone, env);
        var tool = Bash(blocks[1], home, env);
        var package = Bash(blocks[2], product, env);

        Assert.AreEqual(0, feed.ExitCode, feed.ToString());
        Assert.IsTrue(File.Exists(Path.Combine(home, "llmc-feed", "LlmCompiler.Build.0.1.0.nupkg")), feed.ToString());
        Assert.AreEqual(0, tool.ExitCode, tool.ToString());
        StringAssert.Contains(tool.Output, "0.1.0");
        Assert.AreEqual(0, package.ExitCode, package.ToString());
        StringAssert.Contains(File.ReadAllText(Path.Combine(product, "Directory.Packages.props")), "<PackageVersion Include=\"LlmCompiler.Build\" Version=\"0.1.0\" />");
        StringAssert.Contains(package.Output, "VerifyContract: 1 work order(s)");
        StringAssert.Contains(package.Output, "0 error(s), 0 warning(s)");

        // Every project through GlobalPackageReference, the plan at the root: verified once, for two projects.
        var everyProject = GlobalPackageReferenceRepository(scratch.Combine("everywhere"));
        var build = ChildProcess.Run(ChildProcess.DotnetHost(), everyProject, ["build", "Everywhere.slnx", "-nologo", "-nr:false", "-tl:off"], env, TimeSpan.FromMinutes(6));
        Assert.AreEqual(0, build.ExitCode, build.ToString());
        Assert.AreEqual(1, Regex.Matches(build.Output, "VerifyContract: 1 work order\\(s\\)").Count, build.ToString());
    }

    /// <summary>The <c>bash</c> blocks between the "## Install" heading and the next second-level heading.</summary>
    private static List<string> InstallBlocks(string readme)
    {
        var start = readme.IndexOf("\n## Install\n", StringComparison.Ordinal);
        Assert.IsGreaterThanOrEqualTo(0, start, "README.md has no '## Install' section");
        var end = readme.IndexOf("\n## ", start + 1, StringComparison.Ordinal);
        var section = readme[start..(end < 0 ? readme.Length : end)];
        return [.. ShellBlock().Matches(section).Select(m => m.Groups["body"].Value)];
    }

    [GeneratedRegex("```bash\\n(?<body>.*?)```", RegexOptions.Singleline)]
    private static partial Regex ShellBlock();

    private static ChildResult Bash(string script, string directory, IReadOnlyDictionary<string, string?> env) =>
        ChildProcess.Run("bash", directory, ["-euo", "pipefail", "-c", script], env, TimeSpan.FromMinutes(8));

    /// <summary>The tracked and untracked, not ignored files of this checkout, as a clone of it would have them.</summary>
    private static string CopyOfSourceTree(string source, string destination)
    {
        var listing = ChildProcess.Run("git", source, ["ls-files", "-z", "--cached", "--others", "--exclude-standard"]);
        Assert.AreEqual(0, listing.ExitCode, listing.ToString());
        foreach (var relative in listing.Output.Split('\0', StringSplitOptions.RemoveEmptyEntries).Select(p => p.Trim('\r', '\n')).Where(p => p.Length > 0))
        {
            var from = Path.Combine(source, relative);
            if (!File.Exists(from)) continue; // deleted in the working tree
            var to = Path.Combine(destination, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(to)!);
            File.Copy(from, to);
        }
        return destination;
    }

    /// <summary>"Your repository": a library under central package management, with a plan beside it.</summary>
    private static string CentralPackageManagementRepository(string root)
    {
        Directory.CreateDirectory(root);
        ChildProcess.GitOk(root, "init", "-q", "-b", "main");
        Write(root, "Directory.Packages.props", """
            <Project>
              <PropertyGroup>
                <ManagePackageVersionsCentrally>true</ManagePackageVersionsCentrally>
              </PropertyGroup>
            </Project>
            """);
        Write(root, "src/MyLib/MyLib.csproj", """
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup><TargetFramework>net10.0</TargetFramework></PropertyGroup>
            </Project>
            """);
        Write(root, "src/MyLib/Greeting.cs", "namespace MyLib;\n\npublic static class Greeting { }\n");
        Write(root, "src/MyLib/workorders/WO-01.json", WorkOrderFiles.Creating("WO-01", "src/MyLib/Slug.cs"));
        Write(root, ".gitignore", "bin/\nobj/\n");
        ChildProcess.GitOk(root, "add", "-A");
        ChildProcess.GitOk(root, "commit", "-q", "-m", "my library");
        return root;
    }

    private static string GlobalPackageReferenceRepository(string root)
    {
        Directory.CreateDirectory(root);
        ChildProcess.GitOk(root, "init", "-q", "-b", "main");
        Write(root, "Directory.Packages.props", """
            <Project>
              <PropertyGroup>
                <ManagePackageVersionsCentrally>true</ManagePackageVersionsCentrally>
              </PropertyGroup>
              <ItemGroup>
                <GlobalPackageReference Include="LlmCompiler.Build" Version="0.1.0" />
              </ItemGroup>
            </Project>
            """);
        foreach (var name in new[] { "One", "Two" })
        {
            Write(root, $"src/{name}/{name}.csproj", "<Project Sdk=\"Microsoft.NET.Sdk\"><PropertyGroup><TargetFramework>net10.0</TargetFramework></PropertyGroup></Project>\n");
            Write(root, $"src/{name}/{name}Type.cs", $"namespace {name};\n\npublic static class {name}Type {{ }}\n");
        }
        Write(root, "Everywhere.slnx", "<Solution>\n  <Project Path=\"src/One/One.csproj\" />\n  <Project Path=\"src/Two/Two.csproj\" />\n</Solution>\n");
        Write(root, "workorders/WO-01.json", WorkOrderFiles.Creating("WO-01", "src/One/Slug.cs"));
        Write(root, ".gitignore", "bin/\nobj/\n");
        ChildProcess.GitOk(root, "add", "-A");
        ChildProcess.GitOk(root, "commit", "-q", "-m", "two projects");
        return root;
    }

    private static void Write(string root, string relative, string content)
    {
        var path = Path.Combine(root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }
}
