#include "log/posix_file_system.h"

#include <cerrno>
#include <string>
#include <system_error>

#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log/record_format.h"

namespace tally::log {
namespace {

Status Errno(std::string_view what, const std::filesystem::path& path) {
  return Status::FromErrno(errno, std::string(what) + " " + path.string());
}

Status Errno(std::string_view what) {
  return Status::FromErrno(errno, what);
}

std::uint64_t PageFloor(std::uint64_t offset) {
  return offset / kPageBytes * kPageBytes;
}

}  // namespace

Status PosixFileSystem::CreateDir(const std::filesystem::path& dir) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) {
    return Status::FromErrno(error.value(), "create directory " + dir.string());
  }
  return Status::Ok();
}

Result<std::vector<std::string>> PosixFileSystem::ListDir(const std::filesystem::path& dir) {
  std::error_code error;
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
    if (entry.is_regular_file()) {
      names.push_back(entry.path().filename().string());
    }
  }
  if (error) {
    return Status::FromErrno(error.value(), "list directory " + dir.string());
  }
  return names;
}

Status PosixFileSystem::SyncDir(const std::filesystem::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    return Errno("open directory", dir);
  }
  const int rc = ::fsync(fd);
  const int saved = errno;
  ::close(fd);
  if (rc != 0) {
    return Status::FromErrno(saved, "fsync directory " + dir.string());
  }
  return Status::Ok();
}

Result<FileHandle> PosixFileSystem::Open(const std::filesystem::path& path, bool create) {
  const int flags = O_RDWR | O_CLOEXEC | (create ? O_CREAT | O_EXCL : 0);
  const int fd = ::open(path.c_str(), flags, 0644);
  if (fd < 0) {
    return Errno(create ? "create" : "open", path);
  }
  return FileHandle{fd};
}

Status PosixFileSystem::Close(FileHandle file) {
  if (::close(file) != 0) {
    return Errno("close");
  }
  return Status::Ok();
}

Result<std::uint64_t> PosixFileSystem::FileSize(FileHandle file) {
  struct stat st {};
  if (::fstat(file, &st) != 0) {
    return Errno("fstat");
  }
  return static_cast<std::uint64_t>(st.st_size);
}

Result<std::size_t> PosixFileSystem::ReadAt(FileHandle file, std::uint64_t offset,
                                            std::span<std::byte> out) {
  std::size_t done = 0;
  while (done < out.size()) {
    const ssize_t n =
        ::pread(file, out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return Errno("pread");
    }
    if (n == 0) {
      break;
    }
    done += static_cast<std::size_t>(n);
  }
  return done;
}

Status PosixFileSystem::Allocate(FileHandle file, std::uint64_t bytes) {
  // posix_fallocate returns the error instead of setting errno.
  const int rc = ::posix_fallocate(file, 0, static_cast<off_t>(bytes));
  if (rc != 0) {
    return Status::FromErrno(rc, "posix_fallocate " + std::to_string(bytes) + " bytes");
  }
  return Status::Ok();
}

Status PosixFileSystem::Truncate(FileHandle file, std::uint64_t bytes) {
  if (::ftruncate(file, static_cast<off_t>(bytes)) != 0) {
    return Errno("ftruncate");
  }
  return Status::Ok();
}

Status PosixFileSystem::SyncFile(FileHandle file) {
  if (::fdatasync(file) != 0) {
    return Errno("fdatasync");
  }
  return Status::Ok();
}

Result<std::byte*> PosixFileSystem::Map(FileHandle file, std::uint64_t bytes, MapPages pages) {
  void* base = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, file, 0);
  if (base == MAP_FAILED) {
    return Errno("mmap");
  }
  // Advice only: without transparent huge pages (EINVAL) the mapping works with small pages.
  if (pages == MapPages::kHuge) {
    (void)::madvise(base, bytes, MADV_HUGEPAGE);
  }
  return static_cast<std::byte*>(base);
}

Status PosixFileSystem::Unmap(std::byte* base, std::uint64_t bytes) {
  if (::munmap(base, bytes) != 0) {
    return Errno("munmap");
  }
  return Status::Ok();
}

Status PosixFileSystem::SyncRange(FileHandle /*file*/, std::byte* base, std::uint64_t offset,
                                  std::uint64_t bytes) {
  const std::uint64_t start = PageFloor(offset);
  if (::msync(base + start, offset + bytes - start, MS_SYNC) != 0) {
    return Errno("msync");
  }
  return Status::Ok();
}

Status PosixFileSystem::Prefault(std::byte* base, std::uint64_t offset, std::uint64_t bytes) {
  const std::uint64_t start = PageFloor(offset);
  if (::madvise(base + start, offset + bytes - start, MADV_POPULATE_WRITE) != 0) {
    return Errno("madvise(MADV_POPULATE_WRITE)");
  }
  return Status::Ok();
}

Status PosixFileSystem::WriteBack(FileHandle file, std::uint64_t offset, std::uint64_t bytes) {
  constexpr unsigned kFlags =
      SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER;
  if (::sync_file_range(file, static_cast<off_t>(offset), static_cast<off_t>(bytes), kFlags) != 0) {
    return Errno("sync_file_range");
  }
  return Status::Ok();
}

Status PosixFileSystem::Rename(const std::filesystem::path& from, const std::filesystem::path& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) {
    return Errno("rename " + from.string() + " to", to);
  }
  return Status::Ok();
}

Status PosixFileSystem::Remove(const std::filesystem::path& path) {
  if (::unlink(path.c_str()) != 0) {
    return Errno("unlink", path);
  }
  return Status::Ok();
}

FileSystem* DefaultFileSystem() {
  static PosixFileSystem* const fs = new PosixFileSystem();
  return fs;
}

}  // namespace tally::log
