import ArgumentParser

@main
struct Spokes: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spokes",
        abstract: "Spokes: the platform on which local governments buy public services from social organisations.",
        discussion: """
            Without DATABASE_URL every command uses the embedded PostgreSQL cluster under .data/postgres
            (or --data-dir / SPOKES_DATA_DIR). Settings come from flags, then the environment, then a .env file.
            """,
        subcommands: [Serve.self, Migrate.self, Seed.self, DB.self, Users.self, Audit.self, OCDS.self, CalendarCommand.self],
        defaultSubcommand: Serve.self
    )
}
