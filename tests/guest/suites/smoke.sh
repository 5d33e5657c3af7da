# smoke - the test machine itself works: processes, pipes, /proc, a block
# device from a module. Context: guest user space.
. /bulkhead/lib.sh
ktap_check fork_pipe sh -c '[ "$(echo hello | tr a-z A-Z)" = HELLO ]'
ktap_check proc_meminfo grep -q MemFree /proc/meminfo
ktap_check null_blk_load insmod /bulkhead/modules/null_blk.ko
ktap_check null_blk_read dd if=/dev/nullb0 of=/dev/null bs=4k count=256
ktap_check null_blk_unload rmmod null_blk
ktap_end
