/// Every setting Spokes reads, in one list (issue 28): its environment variable, its default, and what it means. The
/// same list is `spokes serve --help`'s and `.env.example`'s (written by `spokes settings example`; the smoke test checks
/// the file in the repository is what the command writes). Flags win over the environment, which wins over `.env`.
enum SettingsCatalogue {
    struct Setting {
        let name: String
        let defaultValue: String
        let meaning: String
    }

    static let all: [Setting] = [
        Setting(name: "DATABASE_URL", defaultValue: "", meaning: "postgres://user:password@host:5432/db; empty: the embedded cluster under SPOKES_DATA_DIR"),
        Setting(name: "SPOKES_DATA_DIR", defaultValue: ".data/postgres", meaning: "folder of the embedded PostgreSQL cluster (--data-dir)"),
        Setting(name: "DATABASE_REPLICA_URL", defaultValue: "", meaning: "a streaming replica for visitors' reads; empty: none"),
        Setting(name: "SPOKES_REPLICA_MAX_LAG_MS", defaultValue: "1000", meaning: "how far behind the replica may be before reads go back to the primary"),
        Setting(name: "SPOKES_HOST", defaultValue: "127.0.0.1", meaning: "address to listen on (--host)"),
        Setting(name: "SPOKES_PORT", defaultValue: "8080", meaning: "port to listen on (--port)"),
        Setting(name: "SPOKES_PUBLIC_URL", defaultValue: "", meaning: "the site's public address for feeds, OCDS packages and QR codes; empty: the bound address"),
        Setting(name: "SPOKES_SECURE_COOKIES", defaultValue: "false", meaning: "true behind TLS: cookies marked Secure"),
        Setting(name: "SPOKES_TRUSTED_PROXIES", defaultValue: "", meaning: "comma-separated addresses of reverse proxies whose X-Forwarded-For is believed"),
        Setting(name: "SPOKES_WEB_DIR", defaultValue: "Web", meaning: "folder with templates/, static/ and locales/ (--web-dir)"),
        Setting(name: "SPOKES_CONTRACTS_DIR", defaultValue: "Contracts", meaning: "folder with openapi.yaml and the OCDS extension"),
        Setting(name: "SPOKES_BID_SECRET", defaultValue: "", meaning: "base64 of the 32-byte master secret that seals bids; empty: SPOKES_BID_SECRET_FILE"),
        Setting(name: "SPOKES_BID_SECRET_FILE", defaultValue: ".data/bid-master.key", meaning: "file of the bid master secret, made at first run; keep it apart from backups"),
        Setting(name: "SPOKES_BCRYPT_COST", defaultValue: "10", meaning: "bcrypt cost of password hashes"),
        Setting(name: "SPOKES_COUNTERSIGN_THRESHOLD_YUAN", defaultValue: "100000", meaning: "a sign-off making more than this payable needs a second evaluator"),
        Setting(name: "SPOKES_OCDS_PREFIX", defaultValue: "spokes", meaning: "the publisher's OCDS prefix (ocds-<prefix>-<reference>)"),
        Setting(name: "SPOKES_PUBLIC_CACHE_MB", defaultValue: "32", meaning: "memory for answers kept for visitors; 0 turns the cache off"),
        Setting(name: "SPOKES_SHUTDOWN_DRAIN_SECONDS", defaultValue: "0", meaning: "on SIGTERM: report not ready (/health/ready 503) and keep serving this long before closing, for a balancer that probes readiness (0 to 60)"),
        Setting(name: "SPOKES_REQUEST_DEADLINE_SECONDS", defaultValue: "30", meaning: "a request not answered by then is answered 503"),
        Setting(name: "SPOKES_METRICS_PORT", defaultValue: "0", meaning: "serve /metrics on this port of its own; 0: on the application's port, with SPOKES_METRICS_TOKEN"),
        Setting(name: "SPOKES_METRICS_TOKEN", defaultValue: "", meaning: "bearer token for /metrics on the application's port"),
        Setting(name: "LOG_LEVEL", defaultValue: "info", meaning: "trace, debug, info, notice, warning, error or critical"),
        Setting(name: "LOG_FORMAT", defaultValue: "text", meaning: "text, or json: one object a line for a log collector (--log-format)"),
        Setting(name: "SPOKES_PASSWORD", defaultValue: "", meaning: "the password for users create and users reset-password (and a training class's), when no --password-file is given"),
        Setting(name: "SPOKES_MODE", defaultValue: "production", meaning: "production, or training: a class's instance with a faster clock on a database of its own (--training)"),
        Setting(name: "SPOKES_TRAINING_RATE", defaultValue: "1440", meaning: "training: seconds of class time per real second (1440: a day a minute, weekends too; 0: stands still until advanced)"),
        Setting(name: "SPOKES_TRAINING_START", defaultValue: "", meaning: "training: the day (yyyy-MM-dd, Beijing) the class's clock starts at, on its first start only; empty: now"),
    ]

    /// The list as `--help` shows it.
    static var help: String {
        "Settings (flags win over the environment, which wins over .env):\n" + all.map { setting in
            "  \(setting.name)=\(setting.defaultValue)\n      \(setting.meaning)"
        }.joined(separator: "\n")
    }

    /// The list as a `.env` file, every setting commented out at its default.
    static var example: String {
        "# Spokes' settings, each at its default (written by `spokes settings example`). Uncomment what you change.\n"
            + "# Flags win over the environment, which wins over this file.\n\n"
            + all.map { "# \($0.meaning)\n# \($0.name)=\($0.defaultValue)" }.joined(separator: "\n\n") + "\n"
    }
}
