package main

import (
	"fmt"
	"path/filepath"
	"time"

	"github.com/shoulders-qa/shoulders/index"
	"github.com/spf13/cobra"
)

// backupFiles are the files of the data folder a backup holds beside the
// collections: votes are training data, and keys let clients back in.
var backupFiles = []string{"feedback.jsonl", "keys.json"}

func (c *config) backupDir() string {
	if c.BackupDir != "" {
		return c.BackupDir
	}
	return filepath.Join(c.DataDir, "backups")
}

// backup writes a backup of the store now.
func (c *config) backup(store *index.Store) (index.BackupInfo, error) {
	return store.Backup(c.backupDir(), time.Now(), backupFiles...)
}

func backupCmd(cfg *config) *cobra.Command {
	return &cobra.Command{
		Use:   "backup",
		Short: "Back up every collection, the feedback log and the API keys",
		Long: `Write a backup into a new folder under --backup-dir (DATA_DIR/backups by
default), named by the time. A running server at --addr (or --server) takes
it while it goes on answering and ingesting: POST /v1/admin/backups, with an
admin key in SHOULDERS_API_KEY when keys are required. Without a server the
data folder is read here.

A backup holds each collection's keyword index, its stored passages and
its fitted embedder, the feedback log and the API keys. Vectors are not in
it: a server started on a restored folder computes them again. To restore,
stop the server and start it with --data-dir set to a copy of the backup
folder (docs/operations.md).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var info index.BackupInfo
			if base := cfg.remote(); base != "" {
				if err := postJSON(cmd.Context(), base+"/v1/admin/backups", struct{}{}, &info); err != nil {
					return fmt.Errorf("backup by the server at %s: %w", base, err)
				}
			} else {
				store, err := cfg.openExisting("nothing to back up: ")
				if err != nil {
					return err
				}
				defer store.Close()
				if info, err = cfg.backup(store); err != nil {
					return lockedHint(err, cfg)
				}
			}
			fmt.Printf("wrote %s: %d collections, %d files, %.1f MB\n", info.Path, len(info.Collections), len(info.Files), float64(info.Bytes)/1e6)
			return nil
		},
	}
}
